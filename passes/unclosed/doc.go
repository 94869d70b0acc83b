// Package unclosed defines an Analyzer that reports resources that are not
// released on some path of the function that opened them.
//
// # Analyzer unclosed
//
// unclosed: report resources that are not closed on some path
//
// A value that must be released (an *http.Response body, an *os.File, a
// net.Conn, net.Listener or net.PacketConn, an *sql.Rows, *sql.Stmt,
// *sql.Conn or *sql.Tx, a *time.Ticker in code built for Go before 1.23, or
// a user type declared closable) is followed from the call that opened it
// to every return of the function. A path on which it is neither released
// (Close, Stop, Commit or Rollback, directly or deferred) nor handed over is
// a leak, reported at the opening call with the return it leaves through:
//
//	resp, err := http.Get(url) // response body opened here is never closed on the path through line 12
//	if err != nil {
//		return err // the error path owes nothing
//	}
//	if resp.StatusCode != http.StatusOK {
//		return fmt.Errorf("status %s", resp.Status) // line 12: leaks
//	}
//	defer resp.Body.Close()
//
// Handing the value over is not a leak: returning it, storing it in a field,
// global, map or slice, sending it on a channel (also in a select case),
// capturing it in a closure, starting a goroutine with it, or passing it to a
// function that releases or takes it. A field of a struct the function
// allocates itself is not a hand-over: the struct carries the resource, and
// a path that drops the struct (an error return after s := &session{conn:
// conn}) leaks it, unless the struct is handed over in turn or passed to a
// function that may release the field or keep the struct (anything but a
// function of the package that only reads the field and uses it in place).
// Functions of the analyzed packages are
// summarized as facts (which results they open; which parameters they
// release on every path, on every path that reports failure, or on every
// path that reports success), so helpers are understood across packages:
//
//	if err := requireOK(resp); err != nil { // requireOK closes the body when it fails
//		return err
//	}
//	if !pool.Put(conn) { // Put takes the connection when it reports true
//		conn.Close()
//	}
//
// A function that returns a value it also stores in a field of its receiver
// or of another parameter, or in a package variable (a getter that dials a
// connection once and caches it), hands out a borrowed value: the struct or
// the package keeps it, and the caller owes nothing. Publishing a value with
// sync/atomic (StorePointer, Value.Store, Pointer.Store) stores it too. A
// return of a sentinel error, a package variable named ErrX or errX,
// reports failure.
//
// A parameter released on every path only when a bool parameter is true
// (or only when it is false) is summarized with that condition: a call
// passing that constant releases the argument, any other value does not,
// and a wrapper forwarding its own bool parameter inherits the condition.
//
// SetDeadline, SetReadDeadline and SetWriteDeadline on a socket a standard
// library call opened (net.Dial, tls.Dial, a TCP or Unix listener's Accept)
// fail only when the socket is closed (their other errors are a nil
// receiver and a descriptor the runtime poller does not know, which the
// opening call rules out): the path on which one failed owes nothing. On a
// connection of unknown origin it still owes the connection.
//
// Function literals called in the function are summarized too, and a
// result kept in a variable (a named result, or any result of a function
// with a defer, not captured by a function literal returned with it) is
// followed to what was stored in it; a response whose Body the function
// assigns (it took the body out) is not followed. A method of an interface
// whose results are an *http.Response and an error (a doer) opens the
// response, as (*http.Client).Do does, unless the concrete type is known to
// the function.
//
// A helper that takes an any or an io interface and closes it after a type
// assertion to io.Closer releases what it is given. Calls into the standard
// library's fmt, io, bufio, encoding and similar packages only borrow the
// value; tls.Client, tls.Server, tls.NewListener, http.MaxBytesReader,
// httputil.NewClientConn and httputil.NewServerConn wrap it (closing the
// result closes it, dropping the result leaks it). A
// closure capturing the value hands it over only when it is called, stored
// or passed on; a function whose doc comment carries bodyclose's
// //bodyclose:handled directive returns responses its callers need not
// close. The path on which the opening call failed owes nothing (for
// responses, net/http's round-tripper contract), also when its error is
// kept in a variable (one a closure assigns included) or tested with
// os.IsNotExist or errors.Is, and on the path where testify's
// assert.NoError or assert.Nil of that error reported false (assert.Error
// true). Rows are also released when rows.Next returns false. The
// exception is httputil.ClientConn's Do and Read, which return a live
// response with ErrPersistEOF: it is owed wherever it is not nil, error
// path included (and so is a helper's that returns it with an error), and
// closing or hijacking the ClientConn releases it.
// A response to a request whose method is the constant HEAD owes nothing,
// and neither does the path on which its status is 204 or 304: net/http
// gives such responses http.NoBody and frees the connection first.
//
// A path ends at a call that never returns: panic, os.Exit, log.Fatal,
// runtime.Goexit, t.Fatal, t.FailNow, t.Skip and their variants, testify's
// require.Fail and require.FailNow, and functions of any package that end
// in one of those on every path (learned as facts, so a test helper of
// another package counts). testify's require checks stop the test when they
// fail: after require.NoError(t, err) or require.Nil(t, err) the path goes
// on with err nil (the resource is live, and a later err != nil branch is
// never taken); after require.Error(t, err) or require.NotNil(t, err) of the
// opening call's error it owes nothing. A helper that ends the goroutine
// whenever an error parameter is not nil (check(t, err) calling t.Fatal) is
// a require.NoError of its own. A loop over a channel the standard
// library never closes (ticker.C, time.Tick) ends only by break or return.
//
// When the fix is local and unambiguous, the diagnostic carries a suggested
// fix: "defer x.Close()" ("defer resp.Body.Close()", "defer t.Stop()") on the
// line after the "if err != nil { return ... }" that follows the opening
// call, or after the call when it returns no error. It is offered only when
// the function uses the value in place (method calls, fields, standard
// library readers) and never releases, returns, stores, sends, captures or
// passes it on, when the call is not in a loop, and not for transactions.
//
// A value is owed because of where it comes from (a standard library
// opener, a function summarized as returning what it opened, a new value of
// a closable type), not because it has a Close method: an in-memory test
// double of a net.Conn or net.Listener opens nothing, also through an
// interface method when the function sees its concrete type. More deeply,
// a method of a standard library interface (or http.ResponseController's
// Hijack, which follows Unwrap) called on a value the function built opens
// nothing at a result the code it reaches (function literals kept in fields
// of structs the function allocated, methods of known types, helpers of the
// package) returns as nil on every path: a Hijack double that always fails
// hijacks nothing. The two ends
// of net.Pipe are one resource, a pipe rather than a socket: closing either
// end releases it, and giving an end to a goroutine hands it over only when
// that goroutine closes it on every path.
//
// User types are declared closable with a comment on the type declaration,
// optionally naming the methods that release it (default Close):
//
//	//leakhound:closable
//	type Session struct{ ... }
//
// or with the flag -unclosed.types=example.com/pool.Conn,example.com/db.Lease.
// Functions returning a new value of such a type are its constructors.
//
// A diagnostic can be suppressed with a comment on its line or the line
// above: //leakhound:ignore unclosed <reason>.
package unclosed
