package hub

import (
	"context"
	"errors"
	"io"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/edxml"
)

// readPacket validates an uploaded packet with the edxml codec and returns
// what the hub routes by. Only the packet matters to the axis, not what it
// carries: a document whose envelope is sound but whose attachments are
// not (undecodable base64, a ZIP bomb, a path in a name, a manifest that
// disagrees) is carried, with its envelope read by inspectPacket, so that
// recipients can be tested on it (AXIS.md §3 "bad packets"). Everything
// else the codec refuses is NOT_EDXML, with its one-line reason.
func (s *Server) readPacket(ctx context.Context, f io.ReadSeeker) (packetInfo, string, error) {
	rewind := func() error {
		_, err := f.Seek(0, io.SeekStart)
		return err
	}
	kind, err := edxml.Detect(f)
	if err != nil {
		return packetInfo{}, "", packetError(err)
	}
	if err := rewind(); err != nil {
		return packetInfo{}, "", err
	}
	opts := edxml.DecodeOptions{TempDir: s.tempDir, Limits: edxml.Limits{MaxPacketSize: s.maxBody}}
	if kind == edxml.KindStatus {
		st, err := edxml.DecodeStatus(ctx, f, opts)
		if err != nil {
			return packetInfo{}, "", packetError(err)
		}
		return packetInfo{
			Kind:            MessageStatus,
			From:            st.From.OrganID,
			StatusCode:      string(st.StatusCode),
			StatusDesc:      st.Description,
			ResponseForOrg:  st.ResponseFor.OrganID,
			ResponseForDoc:  st.ResponseFor.DocumentID,
			ResponseForCode: st.ResponseFor.Code,
		}, "", nil
	}
	e, err := edxml.DecodeEdoc(ctx, f, nil, opts)
	if err == nil {
		h := e.Header
		info := packetInfo{Kind: MessageEdoc, From: h.From.OrganID, DocumentID: h.DocumentID, Subject: h.Subject,
			CodeNumber: h.Code.CodeNumber, CodeNotation: h.Code.CodeNotation}
		for _, to := range h.To {
			info.To = append(info.To, to.OrganID)
		}
		return info, "", nil
	}
	if !attachmentFault(err) {
		return packetInfo{}, "", packetError(err)
	}
	if err := rewind(); err != nil {
		return packetInfo{}, "", err
	}
	info, ierr := inspectPacket(f)
	if ierr != nil || info.Kind != MessageEdoc {
		return packetInfo{}, "", packetError(err)
	}
	return info, err.Error(), nil
}

// attachmentFault reports whether the codec refused a document only for
// what it carries.
func attachmentFault(err error) bool {
	for _, kind := range []error{edxml.ErrBadAttachment, edxml.ErrZipBomb, edxml.ErrUnsafeName, edxml.ErrManifest} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

// packetError makes a codec refusal NOT_EDXML; other errors (reading the
// spool file) stay internal.
func packetError(err error) error {
	if errors.Is(err, edxml.ErrBadPacket) {
		return axis.NewError(axis.CodeNotEdXML, "file_doc is not a valid edXML packet: "+truncate(err.Error(), 300))
	}
	return err
}
