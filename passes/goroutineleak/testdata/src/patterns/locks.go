package patterns

import "sync"

// A goroutine that locks a mutex it already holds blocks forever.

type cache struct {
	mu    sync.Mutex
	items map[string]int
}

func (c *cache) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[k]
}

func (c *cache) refresh(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[k] = c.get(k) + 1 // get locks c.mu again
}

func (c *cache) refreshUnlocked(k string) {
	v := c.get(k)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[k] = v + 1
}

func startRefresh(c *cache) {
	go c.refresh("a") // want `blocks forever: call of get, which locks c.mu, at line 21 never proceeds \(it is already held since line 19\)`
	go c.refreshUnlocked("a")
}

func doubleLock() {
	go func() { // want `blocks forever: lock of mu at line 40 never proceeds \(it is already held since line 39\)`
		var mu sync.Mutex
		mu.Lock()
		mu.Lock()
	}()
}

func retryWithoutUnlock(mu *sync.Mutex, try func() error) {
	go func() { // want `blocks forever: lock of mu at line 47 never proceeds \(it is already held since line 47\)`
		for i := 0; i < 3; i++ {
			mu.Lock()
			if err := try(); err != nil {
				continue // the lock is still held
			}
			mu.Unlock()
		}
	}()
}

func retryUnlocking(mu *sync.Mutex, try func() error) {
	go func() {
		for i := 0; i < 3; i++ {
			mu.Lock()
			if err := try(); err != nil {
				mu.Unlock()
				continue
			}
			mu.Unlock()
		}
	}()
}

// Conditional locking tested twice on the same condition.
func conditional(mu *sync.Mutex, locked bool) {
	go func() {
		if !locked {
			mu.Lock()
		}
		if !locked {
			mu.Unlock()
		}
		mu.Lock()
		mu.Unlock()
	}()
}

// Two values of the same type hold different locks.
func transfer(a, b *cache) {
	go func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		b.mu.Lock()
		defer b.mu.Unlock()
	}()
}

// Read locks may be shared, a write lock may not.
func readThenWrite(mu *sync.RWMutex) {
	go func() { // want `blocks forever: lock of mu at line 97 never proceeds \(it is already held since line 96\)`
		mu.RLock()
		mu.Lock()
	}()
}

func readTwice(mu *sync.RWMutex) {
	go func() {
		mu.RLock()
		mu.RLock()
		mu.RUnlock()
		mu.RUnlock()
	}()
}

// A helper that returns with the lock held on every path.
type gate struct {
	mu     sync.Mutex
	closed bool
}

func (g *gate) acquire() {
	for {
		g.mu.Lock()
		if g.closed {
			break // returns holding g.mu
		}
		g.mu.Unlock()
	}
}

func (g *gate) check() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

func startGate(g *gate) {
	go func() { // want `blocks forever: call of check, which locks g.mu, at line 135 never proceeds \(it is already held since line 134\)`
		g.acquire()
		g.check()
	}()
}

// A lock given to code the analysis cannot follow may be released there.
func handedOff(mu *sync.Mutex, release func(*sync.Mutex)) {
	go func() {
		mu.Lock()
		release(mu)
		mu.Lock()
	}()
}

// A function that releases its caller's lock before taking it again.
func (c *cache) updateAndUnlock(k string) {
	if c.items == nil {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	v := compute()
	c.mu.Lock()
	c.items[k] = v
	c.mu.Unlock()
}

func (c *cache) update(k string) {
	c.mu.Lock()
	c.updateAndUnlock(k)
}

func startUpdate(c *cache) {
	go c.update("a")
}
