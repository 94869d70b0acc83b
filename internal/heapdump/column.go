package heapdump

// blockLen is the number of values in one block of a column.
const blockLen = 1 << 16

// column is an append-only sequence stored in fixed-size blocks, so that
// growing it never copies what it holds nor leaves garbage behind: the
// parser keeps one value per heap object in columns, and a gigabyte heap has
// millions of objects.
type column[T any] struct {
	blocks [][]T
	n      int
}

func (c *column[T]) add(v T) {
	if c.n%blockLen == 0 {
		c.blocks = append(c.blocks, make([]T, 0, blockLen))
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, v)
	c.n++
}

func (c *column[T]) at(i int) T { return c.blocks[i/blockLen][i%blockLen] }

func (c *column[T]) len() int { return c.n }
