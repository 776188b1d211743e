package courier

// Phase is what a pass is doing.
type Phase string

// Phases of a pass, in order.
const (
	PhaseSend      Phase = "send"      // sending the outbox
	PhaseDocuments Phase = "documents" // receiving documents
	PhaseStatuses  Phase = "statuses"  // receiving status messages
	PhaseDirectory Phase = "directory" // refreshing the agency directory
	PhaseIdle      Phase = "idle"      // the pass is over
)

// Update is the progress of a phase: Done of Total packets handled (Total
// grows when a phase finds more), Bytes moved over the network so far.
type Update struct {
	Phase Phase
	Done  int
	Total int
	Bytes int64
}

// Progress receives the progress of passes. The engine calls Report from
// one goroutine at a time, often: it must return quickly, and throttling
// the display is its job.
type Progress interface {
	Report(u Update)
}

// ProgressFunc adapts a function to Progress.
type ProgressFunc func(Update)

// Report calls f.
func (f ProgressFunc) Report(u Update) { f(u) }
