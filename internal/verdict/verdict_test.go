package verdict

import (
	"testing"

	"github.com/leakhound/leakhound/internal/stack"
)

// TestDefaultExcuses checks goroutines that live as long as the process on
// purpose against the built-in excuses.
func TestDefaultExcuses(t *testing.T) {
	tests := []struct {
		name string
		give []string // frames, innermost first
		want bool
	}{
		{"os/signal loop", []string{"os/signal.signal_recv", "os/signal.loop"}, true},
		{"test goroutine", []string{"runtime.gopark", "testing.tRunner"}, true},
		{"program goroutine", []string{"main.worker"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &stack.Goroutine{}
			for _, f := range tt.give {
				g.Frames = append(g.Frames, stack.Frame{Func: f})
			}
			if got := excused(g, &Options{}); got != tt.want {
				t.Errorf("excused(%v) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}

func TestAnyProvable(t *testing.T) {
	tests := []struct {
		name string
		give []stack.Goroutine
		want bool
	}{
		{name: "none", give: nil, want: false},
		{name: "chan receive", give: []stack.Goroutine{{State: "chan receive"}}, want: true},
		{name: "wait group", give: []stack.Goroutine{{State: "IO wait"}, {State: "sync.WaitGroup.Wait"}}, want: true},
		{name: "already leaked", give: []stack.Goroutine{{State: "chan receive", Leaked: true}}, want: false},
		{name: "not provable", give: []stack.Goroutine{{State: "IO wait"}, {State: "sleep"}, {State: "running"}, {State: "select (durable)"}, {State: "semacquire"}}, want: false},
	}
	for _, tt := range tests {
		if got := anyProvable(tt.give); got != tt.want {
			t.Errorf("%s: anyProvable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
