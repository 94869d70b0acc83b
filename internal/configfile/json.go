package configfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseJSON returns the document tree of data, a configuration written as
// JSON, with the line of every value and key; nil for an empty document
// (only white space). A syntax error names path and its line.
func ParseJSON(path string, data []byte) (*Node, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	p := &jsonParser{path: path, data: data, dec: json.NewDecoder(bytes.NewReader(data)), line: 1}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		p.advance(p.dec.InputOffset())
		return nil, p.errorf("syntax error: more after the end of the JSON value: a file holds one JSON object")
	}
	return n, nil
}

// jsonParser reads the tokens of a JSON document, keeping track of lines.
type jsonParser struct {
	path string
	data []byte
	dec  *json.Decoder
	off  int64 // where the line count stands
	line int   // the line at off
	at   int   // the line of the last token read
}

// token reads the next token and notes the line it starts at.
func (p *jsonParser) token() (json.Token, error) {
	start := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntaxError(err)
	}
	// Between the end of the last token and this one: white space, and the
	// ',' or ':' the decoder consumed with this token.
	for start < int64(len(p.data)) && bytes.IndexByte([]byte(" \t\r\n,:"), p.data[start]) >= 0 {
		start++
	}
	p.advance(start)
	return tok, nil
}

// syntaxError returns the decoder's error err with the line it is at.
// The decoder counts the offset of an error inside a value from where its
// buffer stood, so the whole document is scanned again for it.
func (p *jsonParser) syntaxError(err error) error {
	var v any
	full := json.Unmarshal(p.data, &v)
	var syn *json.SyntaxError
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) ||
		full != nil && strings.Contains(full.Error(), "unexpected end of JSON input"):
		p.advance(int64(len(bytes.TrimRight(p.data, " \t\r\n")) - 1)) // the last line written
		return p.errorf("syntax error: the file ends before the JSON value does")
	case errors.As(full, &syn):
		p.advance(max(syn.Offset-1, 0)) // the offset is past the bad byte
		return p.errorf("syntax error: %v", syn)
	case errors.As(err, &syn):
		p.advance(syn.Offset)
		return p.errorf("syntax error: %v", syn)
	}
	return p.errorf("%v", err)
}

// advance moves the line count to off and notes its line as the current
// token's.
func (p *jsonParser) advance(off int64) {
	off = min(max(off, p.off), int64(len(p.data)))
	p.line += bytes.Count(p.data[p.off:off], []byte("\n"))
	p.off, p.at = off, p.line
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.path, p.at, fmt.Sprintf(format, args...))
}

// value reads one value, depth levels below the top.
func (p *jsonParser) value(depth int) (*Node, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	n := &Node{Line: p.at}
	switch v := tok.(type) {
	case json.Delim:
		if depth >= MaxDepth {
			return nil, p.errorf("values nested deeper than %d levels", MaxDepth)
		}
		if v == '{' {
			n.Kind = Mapping
			return n, p.entries(n, depth)
		}
		n.Kind = Sequence
		return n, p.items(n, depth)
	case string:
		n.Kind, n.Value = String, v
	case json.Number:
		n.Kind, n.Value = Number, v.String()
	case bool:
		n.Kind, n.Value = Bool, fmt.Sprint(v)
	case nil:
		n.Kind = Null
	}
	return n, nil
}

// entries reads the entries of the object n up to its closing brace.
func (p *jsonParser) entries(n *Node, depth int) error {
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // the decoder accepts only a string here
		e := Entry{Key: key, Line: p.at}
		if e.Value, err = p.value(depth + 1); err != nil {
			return err
		}
		n.Entries = append(n.Entries, e)
	}
	_, err := p.token() // '}'
	return err
}

// items reads the items of the array n up to its closing bracket.
func (p *jsonParser) items(n *Node, depth int) error {
	for p.dec.More() {
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Items = append(n.Items, v)
	}
	_, err := p.token() // ']'
	return err
}
