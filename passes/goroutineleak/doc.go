// Package goroutineleak defines an Analyzer that reports goroutines that
// can block forever or never return.
//
// # Analyzer goroutineleak
//
// goroutineleak: report goroutines that can block forever or never return
//
// A goroutine that blocks forever keeps its stack and everything it
// references. The analyzer follows the function a go statement starts,
// and the functions of the package it calls, and reports the go statement
// with the blocking operation as related information when:
//
//   - it waits for what nothing provides: a receive from a channel that no
//     code sends on or closes, a send on a channel that no code receives
//     from (or one whose buffer nothing empties, in a loop), an operation
//     on a nil channel, an empty select, a select none of whose cases can
//     proceed, the Done channel of a context that is never cancelled, a
//     WaitGroup that nothing calls Done on, a Cond that nothing signals,
//     or a channel operation whose counterpart never runs because it comes
//     after one of these;
//   - it locks a mutex it already holds: twice on one path, in a function
//     it calls on the same value, or after a function returned holding it;
//   - it never returns: a loop that exits only when a channel nobody closes
//     is closed (range over a channel, including a ticker's), only through
//     a select case that never proceeds, or not at all. Goroutines started
//     by init, by main (or functions only main calls) and inside a
//     sync.Once are meant to live as long as the process and are not
//     reported for this;
//   - it sends on a channel that only the function that started it
//     receives from, and that function can return (or replace the channel)
//     with a value still unreceived: an early return, a select that takes a
//     timeout or ctx.Done case, one receive for N senders, or a sender that
//     sends twice. A send in a function the sender defers counts as a
//     send when the sender returns.
//
// The last are the leak patterns of "Unveiling and Vanquishing Goroutine
// Leaks in Enterprise Microservices" (CGO 2024), for example the timeout:
//
//	func fetch(ctx context.Context) (int, error) {
//		ch := make(chan int)
//		go func() { ch <- slow() }() // its send is never received after a timeout
//		select {
//		case v := <-ch:
//			return v, nil
//		case <-ctx.Done():
//			return 0, ctx.Err()
//		}
//	}
//
// Channels are followed through variables, closures, calls, results and
// the fields of the package's structs. Precision comes first: a channel
// that code the analysis cannot see may reach (a package variable, an
// exported field, a slice, a map, an interface, a call to another package
// with a parameter that can send or close) is never judged; a buffer with
// a constant capacity is compared with the sends of the goroutines (their
// constant arguments pruning the branches that test them), and one sized at run time is
// assumed large enough for an unknown number of senders; a loop that
// receives and runs to its end is assumed to receive what was sent; paths
// of a test that already reported a failure are ignored.
//
// A diagnostic can be suppressed with a comment on its line or the line
// above: //leakhound:ignore goroutineleak <reason>.
package goroutineleak
