module github.com/leakhound/leakhound/bench

go 1.26.0

replace github.com/leakhound/leakhound => ../

require (
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)
