package pdfview

import "image"

// cacheKey names a drawn page: its index and its width in pixels.
type cacheKey struct{ page, width int }

// pageCache keeps the most recently used drawn pages within a number of
// bytes. It is used on the UI goroutine only.
type pageCache struct {
	limit, size int
	entries     []cacheEntry // least recently used first
}

type cacheEntry struct {
	key cacheKey
	img *image.RGBA
}

func newPageCache(limit int) *pageCache { return &pageCache{limit: limit} }

func (c *pageCache) get(k cacheKey) *image.RGBA {
	for i, e := range c.entries {
		if e.key == k {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			return e.img
		}
	}
	return nil
}

// put adds img, dropping the least recently used pages beyond the limit
// (but never the one added).
func (c *pageCache) put(k cacheKey, img *image.RGBA) {
	if c.get(k) != nil {
		return
	}
	c.entries = append(c.entries, cacheEntry{k, img})
	c.size += len(img.Pix)
	for c.size > c.limit && len(c.entries) > 1 {
		c.size -= len(c.entries[0].img.Pix)
		c.entries = c.entries[1:]
	}
}

func (c *pageCache) clear() { c.entries, c.size = nil, 0 }
