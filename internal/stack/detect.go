package stack

import "bytes"

// Detect tells which format data is in: a gzip'd pprof protocol buffer
// (starts with 0x1f 0x8b), a debug=1 text profile (first line
// "goroutine profile: total N"), a goroutine dump (some line is a
// "goroutine N [state]:" header), or none of these.
func Detect(data []byte) Format {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		return FormatProto
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	first, _, _ := bytes.Cut(trimmed, []byte{'\n'})
	if _, _, ok := parseProfileHeader(bytes.TrimSuffix(first, []byte{'\r'})); ok {
		return FormatProfileText
	}
	for rest := trimmed; ; {
		line, after, found := bytes.Cut(rest, []byte{'\n'})
		if isHeader(bytes.TrimSuffix(line, []byte{'\r'})) {
			return FormatDump
		}
		if !found {
			return FormatUnknown
		}
		// Skip ahead to the next line that can start a header.
		i := bytes.Index(after, []byte("\ngoroutine "))
		if bytes.HasPrefix(after, headerPrefix) {
			i = -1
		} else if i < 0 {
			return FormatUnknown
		}
		rest = after[i+1:]
	}
}
