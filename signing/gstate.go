package signing

import "github.com/vanthu/vanthu/signing/pdf"

// identity is the identity matrix [a b c d e f].
var identity = [6]float64{1, 0, 0, 1, 0, 0}

// mul returns m × n for PDF matrices [a b c d e f].
func mul(m, n [6]float64) [6]float64 {
	return [6]float64{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// opMatrix reads the six operands of cm or Tm.
func opMatrix(op pdf.Op) ([6]float64, bool) {
	var m [6]float64
	if len(op.Operands) != 6 {
		return m, false
	}
	for i, v := range op.Operands {
		m[i], _ = pdf.AsNumber(v)
	}
	return m, true
}

// ctmTracker follows the current transformation matrix through q, Q and cm.
type ctmTracker struct {
	ctm   [6]float64
	stack [][6]float64
}

// apply updates the matrix for q, Q and cm and reports whether op was one
// of them.
func (t *ctmTracker) apply(op pdf.Op) bool {
	switch op.Operator {
	case "q":
		if len(t.stack) < 64 {
			t.stack = append(t.stack, t.ctm)
		}
	case "Q":
		if n := len(t.stack); n > 0 {
			t.ctm, t.stack = t.stack[n-1], t.stack[:n-1]
		}
	case "cm":
		if m, ok := opMatrix(op); ok {
			t.ctm = mul(m, t.ctm)
		}
	default:
		return false
	}
	return true
}
