package b

var closing = make(chan int)

func (c *conn) finalize() { report(c.fd) }

// report hands the descriptor to a closer goroutine.
func report(fd int) {
	closing <- fd
}
