module github.com/leakhound/leakhound/bench

go 1.26.0

replace github.com/leakhound/leakhound => ../

require (
	github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000
	github.com/maruel/panicparse/v2 v2.5.0
	go.uber.org/goleak v1.3.0
)
