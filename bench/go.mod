module github.com/leakhound/leakhound/bench

go 1.26

replace github.com/leakhound/leakhound => ../

require github.com/leakhound/leakhound v0.0.0-00010101000000-000000000000

require (
	github.com/maruel/panicparse/v2 v2.5.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mgutz/ansi v0.0.0-20200706080929-d51e80ef957d // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/sys v0.31.0 // indirect
)
