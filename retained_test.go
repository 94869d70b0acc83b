package leakhound

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/leakhound/leakhound/internal/testutil/freshproc"
	"github.com/leakhound/leakhound/report"
)

const tenMB = 10 << 20

// holdForever keeps buf alive on its stack while blocked forever.
func holdForever(buf []byte) {
	ch := make(chan int)
	<-ch
	runtime.KeepAlive(buf)
}

var sharedBuffer []byte

func TestRetainedBytes(t *testing.T) {
	tests := []struct {
		name     string
		start    func()
		blocked  int
		min, max int64
	}{
		{"five_goroutines_with_10MB_each", func() {
			for range 5 {
				go holdForever(make([]byte, tenMB))
			}
		}, 5, 5 * tenMB * 95 / 100, 5 * tenMB * 105 / 100},
		{"buffer_shared_with_a_global", func() {
			sharedBuffer = make([]byte, tenMB)
			go holdForever(sharedBuffer)
		}, 1, 0, 64 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !freshproc.Run(t) {
				return
			}
			opt := IgnoreCurrent()
			startAndWaitBlocked(t, ".holdForever", tt.blocked, tt.start)
			r, err := Find(opt, RetainedBytes(), MaxWait(50*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) != 1 {
				t.Fatalf("got %d findings, want 1: %v", len(r.Findings), r.Err())
			}
			f := r.Findings[0]
			if f.RetainedBytes < tt.min || f.RetainedBytes > tt.max {
				t.Errorf("retained %d bytes, want between %d and %d", f.RetainedBytes, tt.min, tt.max)
			}
			if f.RetainedBytes > tenMB && !strings.Contains(f.Detail, "retains") {
				t.Errorf("detail %q does not name what is retained", f.Detail)
			}
			t.Logf("retained %s: %s", report.ByteSize(f.RetainedBytes), f.Detail)
		})
	}
}
