package axis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
)

// ErrPacketChanged is a packet whose bytes changed between the hash that
// was signed and the body that was sent.
var ErrPacketChanged = errors.New("the packet changed while it was being sent")

// spoolInMemory is how much of an unseekable packet is kept in memory
// before the rest goes to a temporary file.
const spoolInMemory = 1 << 20

// Send sends a packet (sendEdoc): from this system's agency or one of its
// mailboxes, to the recipients (organisation codes, or code/mailbox; none
// lets the axis route by the packet's own To), and returns the axis's id
// of it. size is the packet's length, -1 when unknown.
//
// The hash-file header (hex SHA-256 of the packet) is signed before the
// body goes out, so the packet is read twice: a packet that is an
// io.ReaderAt and io.Seeker (a file, a bytes.Reader) is read in place from
// its current offset, any other reader is first spooled (in memory up to
// 1 MiB, then to a temporary file). While sending, the hash is computed
// again: a packet that changed aborts the request with ErrPacketChanged.
//
// A transient failure is retried with the same packet; an attempt whose
// answer was lost may still have been delivered, so the recipient
// recognises a second copy by its DocumentId (AXIS.md §3).
func (c *Client) Send(ctx context.Context, mt MessageType, from string, to []string, packet io.Reader, size int64) (string, error) {
	h, err := sendHeaders(mt, from, to)
	if err != nil {
		return "", err
	}
	src, err := c.preparePacket(packet, size)
	if err != nil {
		return "", err
	}
	defer src.close()
	return c.send(ctx, h, src)
}

// SendFile sends the packet in the file at path (see Send).
func (c *Client) SendFile(ctx context.Context, mt MessageType, from string, to []string, path string) (string, error) {
	h, err := sendHeaders(mt, from, to)
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("axis %s: %w", CallSendEdoc, err)
	}
	defer f.Close()
	src, err := c.preparePacket(f, -1)
	if err != nil {
		return "", err
	}
	return c.send(ctx, h, src)
}

func sendHeaders(mt MessageType, from string, to []string) ([]Header, error) {
	if err := checkMessageType(mt); err != nil {
		return nil, err
	}
	if err := checkParam("from", from); err != nil {
		return nil, err
	}
	h := []Header{{HFrom, from}}
	if len(to) > 0 {
		for _, r := range to {
			if err := checkParam("recipient", r); err != nil {
				return nil, err
			}
		}
		h = append(h, Header{HTo, EncodeRecipients(to)})
	}
	return append(h, Header{HServiceType, ServiceTypeEDoc}, Header{HMessageType, string(mt)}), nil
}

func (c *Client) send(ctx context.Context, h []Header, src *packetSource) (string, error) {
	h = append(h, Header{HHashFile, hex.EncodeToString(src.sum)})
	var pre bytes.Buffer
	mw := multipart.NewWriter(&pre)
	part := textproto.MIMEHeader{}
	part.Set("Content-Disposition", `form-data; name="`+PartFileDoc+`"; filename="packet.edxml"`)
	part.Set("Content-Type", ContentTypePacket)
	if _, err := mw.CreatePart(part); err != nil {
		return "", err
	}
	prefix := bytes.Clone(pre.Bytes())
	pre.Reset()
	if err := mw.Close(); err != nil {
		return "", err
	}
	suffix := pre.Bytes()
	call := Call{
		Name: CallSendEdoc, Method: http.MethodPost, Headers: h,
		ContentType:   mw.FormDataContentType(),
		ContentLength: int64(len(prefix)) + src.n + int64(len(suffix)),
		Body: func() (io.Reader, error) {
			return io.MultiReader(bytes.NewReader(prefix), src.reader(), bytes.NewReader(suffix)), nil
		},
	}
	var id string
	err := c.do(ctx, call, func(resp *Response) error {
		env, err := c.envelope(resp)
		if err != nil {
			return err
		}
		if env.DocID == "" {
			return c.protocol(resp, "no DocId")
		}
		id = env.DocID
		return nil
	})
	return id, err
}

// packetSource is a packet that can be read again from its start, any
// number of times at once, with its length and SHA-256.
type packetSource struct {
	ra    io.ReaderAt
	off   int64
	n     int64
	sum   []byte
	close func()
}

func (c *Client) preparePacket(packet io.Reader, size int64) (*packetSource, error) {
	fail := func(err error) (*packetSource, error) {
		return nil, fmt.Errorf("axis %s: reading the packet: %w", CallSendEdoc, err)
	}
	sum := sha256.New()
	src := &packetSource{close: func() {}}
	type readSeekerAt interface {
		io.ReaderAt
		io.Seeker
	}
	if rs, ok := packet.(readSeekerAt); ok {
		off, err := rs.Seek(0, io.SeekCurrent)
		if err != nil {
			return fail(err)
		}
		n, err := io.Copy(sum, io.NewSectionReader(rs, off, math.MaxInt64-off))
		if err != nil {
			return fail(err)
		}
		src.ra, src.off, src.n = rs, off, n
	} else {
		var buf bytes.Buffer
		tee := io.TeeReader(packet, sum)
		n, err := io.CopyN(&buf, tee, spoolInMemory+1)
		switch {
		case errors.Is(err, io.EOF):
			src.ra, src.n = bytes.NewReader(buf.Bytes()), n
		case err != nil:
			return fail(err)
		default:
			f, err := os.CreateTemp(c.opts.TempDir, "vanthu-send-*.edxml")
			if err != nil {
				return fail(err)
			}
			src.close = func() { f.Close(); os.Remove(f.Name()) }
			m, err := io.Copy(f, io.MultiReader(&buf, tee))
			if err != nil {
				src.close()
				return fail(err)
			}
			src.ra, src.n = f, m
		}
	}
	if size >= 0 && src.n != size {
		src.close()
		return nil, invalid("the packet is %d bytes, not %d", src.n, size)
	}
	if src.n == 0 {
		src.close()
		return nil, invalid("the packet is empty")
	}
	src.sum = sum.Sum(nil)
	return src, nil
}

// reader returns the packet from its start, checking its hash at the end.
func (s *packetSource) reader() io.Reader {
	return &checkedReader{r: io.NewSectionReader(s.ra, s.off, s.n), h: sha256.New(), want: s.sum, left: s.n}
}

// checkedReader fails the request, instead of ending it, when the bytes
// read differ from those hashed.
type checkedReader struct {
	r    io.Reader
	h    hash.Hash
	want []byte
	left int64
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.left -= int64(n)
	switch {
	case errors.Is(err, io.EOF):
		if c.left != 0 || !bytes.Equal(c.h.Sum(nil), c.want) {
			return n, permanent(ErrPacketChanged)
		}
	case err != nil:
		return n, permanent(fmt.Errorf("reading the packet: %w", err))
	}
	return n, err
}
