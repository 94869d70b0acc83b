package flagtypes

// Lease is declared closable by the -unclosed.types flag in the test.
type Lease struct{ n int }

// Close returns the lease.
func (l *Lease) Close() error { return nil }

func acquire() *Lease { return &Lease{n: 1} }

func leaked() {
	l := acquire() // want `flagtypes.Lease opened here is never released with Close on the path through line 13`
	l.n++
}

func released() {
	l := acquire()
	defer l.Close()
	l.n++
}
