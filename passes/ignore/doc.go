// Package ignore applies //leakhound:ignore directives to leakhound's
// analyzers, and checks the directives themselves. Drivers register the
// analyzers through [All], which wraps each one (so suppression does not
// depend on the analyzer) and adds the checker below.
//
// # Analyzer ignore
//
// ignore: check //leakhound:ignore directives
//
// A diagnostic of any leakhound analyzer is suppressed by a comment on its
// line, or on the line just above it, that names the analyzer and says why:
//
//	//leakhound:ignore unclosed the process exits right after
//	f, _ := os.Create(name)
//
// Several analyzers are separated by commas (unclosed,rawfd); "all" names
// every analyzer. A directive without a reason, or naming an analyzer that
// does not exist, suppresses nothing and is reported, so that suppressions
// stay honest and a typo does not hide findings.
package ignore
