// Package cmdutil is the plumbing every leakhound command shares, so that
// each one behaves the same way at its edges: exit statuses carried as
// errors (see [Code]), flags parsed with one usage error ([Parse]), and
// reports written to a file or stdout ([WriteTo], [WriteReports],
// [CheckStdout]).
//
// Exit statuses follow the project's contract: 0 nothing found, 1 leaks
// found or tests failed, 2 usage or tool error, otherwise the program's own
// status for `leakhound run` when no leak was found.
package cmdutil
