// Package browsertest holds the tests of the agent's live page in a real
// headless Chromium; it has no code of its own.
package browsertest
