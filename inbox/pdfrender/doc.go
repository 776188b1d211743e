// Package pdfrender draws the pages of PDF files as images, for the
// desktop app's document viewer, without cgo: PDFium compiled to
// WebAssembly runs inside wazero (inbox/internal/pdfwasm, shared with the
// text extractor inbox/pdftext).
//
// Pages are drawn as a PDF reader shows them: with their annotations, and
// with the appearances of form fields and signature widgets (the visible
// signatures of Decree 30), on a white background.
//
// A [Renderer] owns a few PDFium instances ([Options.Workers]). A [Doc]
// is an open PDF; its pages are drawn by whichever instance has the
// document loaded, and a document is loaded into a fresh instance, so that
// nothing one PDF does to PDFium's memory can affect another one. The
// machine code wazero compiles from PDFium (about 3 s of CPU) is kept in a
// compilation cache on disk, by default under the user's cache directory,
// so that the next start of the program loads it in well under a second.
//
// PDFs come from other agencies and may be hostile: every call is bounded
// in time ([Options.Timeout], and the caller's context), in memory
// ([Options.MaxMemory]) and in image size ([Options.MaxPixels]), and a
// broken file gives an error, never a hang of the caller.
//
// Coordinates: a page is shown Width × Height points (1/72 inch), its
// rotation and crop box applied, with the origin at the top left and y
// growing downwards, as in the image. [Page.ToPDF] turns such a point into
// the PDF's default user space (origin at the bottom left of the media
// box, unrotated), the space of annotation rectangles and of the signer's
// --rect.
package pdfrender
