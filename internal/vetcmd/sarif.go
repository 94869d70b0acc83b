package vetcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/leakhound/leakhound/passes"
)

// The subset of SARIF 2.1.0 that code-scanning dashboards read.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		ShortDescription sarifMessage `json:"shortDescription"`
		HelpURI          string       `json:"helpUri,omitempty"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID           string          `json:"ruleId"`
		Level            string          `json:"level"`
		Message          sarifMessage    `json:"message"`
		Locations        []sarifLocation `json:"locations"`
		RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
		Message          *sarifMessage `json:"message,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
)

func writeSARIF(w io.Writer, ds []Diagnostic) error {
	var rules []sarifRule
	for _, a := range passes.Analyzers {
		title, _, _ := strings.Cut(a.Doc, "\n")
		rules = append(rules, sarifRule{ID: a.Name, ShortDescription: sarifMessage{Text: title}, HelpURI: a.URL})
	}
	results := []sarifResult{}
	for _, d := range ds {
		res := sarifResult{RuleID: d.Analyzer, Level: "warning", Message: sarifMessage{Text: d.Message},
			Locations: []sarifLocation{location(d.File, d.Line, d.Column, "")}}
		for _, r := range d.Related {
			res.RelatedLocations = append(res.RelatedLocations, location(r.File, r.Line, r.Column, r.Message))
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: "leakhound", InformationURI: "https://github.com/leakhound/leakhound", Rules: rules}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("vet: write SARIF log: %w", err)
	}
	return nil
}

// location makes a SARIF location; paths inside the working directory are
// relative URIs (what code-scanning uploads expect), others file:// URIs.
func location(file string, line, col int, msg string) sarifLocation {
	uri := filepath.ToSlash(relPath(file))
	if filepath.IsAbs(uri) {
		uri = (&url.URL{Scheme: "file", Path: uri}).String()
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{
		ArtifactLocation: sarifArtifact{URI: uri},
		Region:           sarifRegion{StartLine: line, StartColumn: col},
	}}
	if msg != "" {
		loc.Message = &sarifMessage{Text: msg}
	}
	return loc
}
