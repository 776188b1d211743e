package hub

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
)

// Uploads up to memUpload bytes are held in memory while they are
// checked, as long as those held take no more than memUploads in all;
// the others go to a temporary file. A file created and removed for each
// small status packet costs the server more than checking the packet.
const (
	memUpload  = 1 << 20
	memUploads = 64 << 20
)

// upload holds a packet being received: in memory, or in a temporary
// file in dir once it outgrows memUpload or the shared budget.
type upload struct {
	dir    string
	budget *atomic.Int64 // bytes of all uploads held in memory
	mem    []byte
	f      *os.File
	size   int64
}

func (u *upload) Write(p []byte) (int, error) {
	if u.f == nil && len(u.mem)+len(p) <= memUpload {
		if u.budget.Add(int64(len(p))) <= memUploads {
			u.mem = append(u.mem, p...)
			u.size += int64(len(p))
			return len(p), nil
		}
		u.budget.Add(-int64(len(p)))
	}
	if u.f == nil {
		f, err := os.CreateTemp(u.dir, "axis-upload-*.edxml")
		if err != nil {
			return 0, err
		}
		u.f = f
		if _, err := f.Write(u.mem); err != nil {
			return 0, err
		}
		u.budget.Add(-int64(len(u.mem)))
		u.mem = nil
	}
	n, err := u.f.Write(p)
	u.size += int64(n)
	return n, err
}

func (u *upload) ReadAt(p []byte, off int64) (int, error) {
	if u.f != nil {
		return u.f.ReadAt(p, off)
	}
	if off >= int64(len(u.mem)) {
		return 0, io.EOF
	}
	n := copy(p, u.mem[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// reader reads the upload from its start.
func (u *upload) reader() io.ReadSeeker { return io.NewSectionReader(u, 0, u.size) }

// close releases the memory or removes the file.
func (u *upload) close() error {
	u.budget.Add(-int64(len(u.mem)))
	u.mem = nil
	if u.f == nil {
		return nil
	}
	name := u.f.Name()
	err := errors.Join(u.f.Close(), os.Remove(name))
	u.f = nil
	return err
}
