// Package edxml reads and writes the edXML packets of QCVN 102:2016 (the
// national document axis): document packets (Edoc) with their attachments,
// and status packets (Status).
//
// Decoding is strict about what is certain and lenient about the variants
// seen in the field (AXIS.md §1): the namespace and the structure are
// enforced, children may come in any order, content ids may carry "cid:"
// or not, dates come in several forms, attachments are ZIP-wrapped or raw.
// Unknown elements and attributes are kept and written back, so that
// decode → encode → decode gives equal values.
//
// Packets come from other agencies and may be hostile. The decoder uses its
// own streaming tokenizer: it refuses DTDs, entity references and
// processing instructions, bounds depth, sizes and counts (Limits), checks
// ZIP wrappers for bombs and attachment names for path tricks, and never
// holds an attachment in memory: each one streams to a Sink, which is told
// to discard what it stored if the packet fails after all. Every rejection
// is an *Error with a one-line reason that a clerk can forward to the
// sender; it matches ErrBadPacket and a precise sentinel.
//
// VerifySignature checks an enveloped XMLDSig signature over a packet of
// any size by canonicalising it token by token; EncodeEdoc signs when
// EncodeOptions.Signer is set.
package edxml
