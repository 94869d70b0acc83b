package cmdutil

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/leakhound/leakhound/internal/htmlreport"
	"github.com/leakhound/leakhound/report"
)

// Output is a flag that names where a command writes one of its reports:
// a file, "-" for stdout, or "" for nowhere.
type Output struct {
	Flag string // the flag's name with its dash: "-json"
	Path string
}

// CheckStdout returns a usage error when more than one of outs is "-": two
// reports on one stream could not be told apart.
func CheckStdout(outs ...Output) error {
	var toStdout []string
	for _, o := range outs {
		if o.Path == "-" {
			toStdout = append(toStdout, o.Flag+" -")
		}
	}
	switch n := len(toStdout); {
	case n == 2:
		return Usagef("%s and %s both write to stdout: write one of the reports to a file", toStdout[0], toStdout[1])
	case n > 2:
		return Usagef("%s and %s all write to stdout: write all but one of the reports to files",
			strings.Join(toStdout[:n-1], ", "), toStdout[n-1])
	}
	return nil
}

// WriteTo calls write with the file at path, or with stdout when path is
// "-"; it does nothing when path is empty. The file is written through a
// buffer and closed, and every error says which path failed.
func WriteTo(path string, stdout io.Writer, write func(io.Writer) error) error {
	switch path {
	case "":
		return nil
	case "-":
		return write(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write the report: %w: check the path", err)
	}
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteJSON writes r as indented JSON, with a final newline.
func WriteJSON(w io.Writer, r *report.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write the JSON report: %w", err)
	}
	return nil
}

// WriteReports writes r as JSON to jsonPath and as an HTML page to
// htmlPath, each a file, "-" for stdout, or "" for none.
func WriteReports(jsonPath, htmlPath string, r *report.Report, stdout io.Writer) error {
	if err := WriteTo(jsonPath, stdout, func(w io.Writer) error { return WriteJSON(w, r) }); err != nil {
		return err
	}
	return WriteTo(htmlPath, stdout, func(w io.Writer) error { return htmlreport.Write(w, r) })
}
