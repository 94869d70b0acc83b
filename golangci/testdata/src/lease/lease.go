package lease

type Lease struct{}

func (*Lease) Close() error { return nil }

func Take() *Lease { return &Lease{} } // want Take:`opens\[0\]`

func use() {
	l := Take() // want `lease.Lease opened here is discarded and never released with Close`
	_ = l
}
