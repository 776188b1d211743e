// Package desk is the service layer of one person's desk: everything the
// desktop GUI does goes through it, and the GUI holds no business logic of
// its own. It never imports the GUI toolkit.
//
// A Desk owns the desk's store (inbox.Store), its Importer (signatures
// checked against the trusted roots, PDF text indexed) and, when an axis is
// configured, its sync engine (courier.Engine).
//
// # Reading
//
// Screens read the store directly through Desk.Store: List, Search, Counts,
// Get, AuditTrail, Registers, OpenBlob. They never call the network.
//
// # Change events
//
// Every action and every sync pass emits typed events (Change) to the
// functions registered with Subscribe, so that screens re-read the store.
// Callbacks run on one goroutine owned by the desk — never on the goroutine
// that performed the action — one at a time and in order; a GUI applies
// their effect with fyne.Do. A callback must not block for long: the next
// events wait for it. The kinds:
//
//   - ChangeDocuments: documents changed (Change.Documents holds their ids);
//     folder counts may have changed too.
//   - ChangeArrived: new incoming documents arrived (Change.Documents).
//   - ChangeSync: sync progress (Change.Progress) and status (Change.Status).
//   - ChangeDeadline: open documents whose deadline falls within
//     Options.DeadlineWarning (Change.Documents), each announced once per
//     desk session.
//
// # Actions
//
// Each action is one store transition, with signing where it needs it, run
// as the desk's identity (Identity.Actor). Illegal steps return errors
// matching inbox.ErrIllegalTransition; bad input inbox.ErrInvalid — in both
// cases nothing changed. Actions:
//
//   - drafts: NewDraft, NewDraftFile (a PDF is checked first: a file that is
//     not a readable PDF is refused with ErrNotPDF and nothing is stored),
//     Submit, Return, Forward (an incoming document becomes a new draft to
//     the chosen agencies);
//   - signing: ApproveAndSign (one key, opened once, signs a batch; each
//     document has its own Result; one failure does not stop the others),
//     Issue (the next number of the outgoing register, number/date stamp,
//     agency seal over the leader's signature, appendices stamped, one
//     outbox packet per recipient);
//   - sending: Send (an issued document to more agencies), Recall,
//     AcceptRecall, RefuseRecall; the sync engine is kicked so packets leave
//     at once when online;
//   - incoming: Register, Refuse, Assign, StartProcessing, Done, Comment,
//     MarkRead.
//
// Verification(ctx, documentID, attachmentID) returns the signature report
// of one attachment in plain words (verdict, signer, organisation, claimed
// time, timestamp, coverage, modifications, chain), verified afresh
// against the trusted roots, for the signature panel. Agencies searches
// the agency directory (refreshed by sync passes, or RefreshAgencies).
//
// Roles are the person's, for the GUI to choose its buttons; the desk does
// not refuse an action because of the role (the demo's single user acts in
// every role). inbox.Allowed tells which actions a state permits.
//
// # Keys
//
// ModulePresets lists the PKCS#11 drivers of the signing tokens common in
// Vietnam (paths marked typical: the vendor's installer decides), plus
// SoftHSM2. ListKeys lists the keys of a token (no PIN needed) or describes
// a PKCS#12 file; OpenKey opens one with its PIN or password. A refused
// secret is ErrWrongSecret, a locked token ErrKeyLocked; no error ever holds
// the secret. The caller closes the key; the desk never keeps a secret.
//
// # Sync
//
// Run runs the sync loop until its context ends; SyncNow asks for a pass
// now; Status reports online/offline, the last sync and the outbox backlog.
// Without Options.Axis the desk works offline: actions queue packets in
// the outbox and Status reports that no axis is configured.
package desk
