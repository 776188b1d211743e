package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vanthu/vanthu/inbox"
)

// The JSON of `inbox list`, `search` and `show` is a stable interface
// (documented in the README); it is built here field by field rather than
// by dumping the store's types.

type jsonOrg struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type jsonSummary struct {
	ID         int64    `json:"id"`
	Direction  string   `json:"direction"`
	State      string   `json:"state"`
	Folder     string   `json:"folder"`
	DocumentID string   `json:"documentId"`
	Sender     jsonOrg  `json:"sender"`
	Number     string   `json:"number"`   // number/notation of the document
	Arrival    int      `json:"arrival"`  // arrival (incoming) or issue (outgoing) number, 0 before
	Type       string   `json:"type"`     // document type name
	Subject    string   `json:"subject"`  // trích yếu
	Priority   int      `json:"priority"` // 0 normal … 4 flash with set time
	Date       string   `json:"date"`     // arrival or issue time, RFC 3339
	Deadline   string   `json:"deadline,omitempty"`
	Overdue    bool     `json:"overdue"`
	Read       bool     `json:"read"`
	Rank       *float64 `json:"rank,omitempty"`    // search only: relevance
	Snippet    string   `json:"snippet,omitempty"` // search only
}

func summaryJSON(s inbox.Summary) jsonSummary {
	js := jsonSummary{
		ID: s.ID, Direction: string(s.Direction), State: string(s.State), Folder: string(s.Folder),
		DocumentID: s.DocumentID, Sender: jsonOrg{s.Sender.Code, s.Sender.Name},
		Number: numberNotation(s.CodeNumber, s.CodeNotation), Arrival: s.Number, Type: s.TypeName,
		Subject: s.Subject, Priority: int(s.Priority), Date: rfc3339(s.Date), Deadline: dateOnly(s.Deadline),
		Overdue: s.Overdue, Read: s.Read,
	}
	return js
}

func numberNotation(n, notation string) string {
	switch {
	case n != "" && notation != "":
		return n + "/" + notation
	default:
		return n + notation
	}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vnTime).Format(time.RFC3339)
}

func dateOnly(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func printSummaries(w io.Writer, list []inbox.Summary, hits []inbox.Hit, asJSON bool) error {
	if asJSON {
		out := make([]jsonSummary, len(list))
		for i, s := range list {
			out[i] = summaryJSON(s)
			if hits != nil {
				rank := hits[i].Rank
				out[i].Rank, out[i].Snippet = &rank, hits[i].Snippet
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no documents")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDATE\tPRIORITY\tSENDER\tNUMBER\tSTATE\tSUBJECT")
	for _, s := range list {
		subject := s.Subject
		if len([]rune(subject)) > 60 {
			subject = string([]rune(subject)[:59]) + "…"
		}
		mark := ""
		if s.Overdue {
			mark = " (overdue)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s%s\t%s\n", s.ID, s.Date.In(vnTime).Format("02/01/2006"), s.Priority.Vietnamese(),
			s.Sender.Name, numberNotation(s.CodeNumber, s.CodeNotation), s.State.Vietnamese(), mark, subject)
	}
	return tw.Flush()
}

var vnTime = time.FixedZone("ICT", 7*3600)

type jsonAttachment struct {
	Name        string          `json:"name"`
	ContentType string          `json:"contentType,omitempty"`
	Size        int64           `json:"size"`
	SHA256      string          `json:"sha256"`
	Stage       string          `json:"stage"`
	Verdict     string          `json:"verdict,omitempty"`
	Report      json.RawMessage `json:"verification,omitempty"`
}

type jsonRecipient struct {
	jsonOrg
	Status      string `json:"status,omitempty"` // latest status code
	StatusAt    string `json:"statusAt,omitempty"`
	Description string `json:"description,omitempty"`
}

type jsonDocument struct {
	jsonSummary
	Content      string           `json:"content,omitempty"`
	Place        string           `json:"place,omitempty"`
	Promulgated  string           `json:"promulgated,omitempty"`
	Signer       string           `json:"signer,omitempty"`
	Register     string           `json:"register,omitempty"`
	RecallReason string           `json:"recallReason,omitempty"`
	Hidden       bool             `json:"hidden"`
	Attachments  []jsonAttachment `json:"attachments"`
	Recipients   []jsonRecipient  `json:"recipients,omitempty"`
	Assignments  []jsonAssignment `json:"assignments,omitempty"`
	Comments     []jsonComment    `json:"comments,omitempty"`
}

type jsonAssignment struct {
	Assignee string `json:"assignee"`
	Role     string `json:"role"`
	Deadline string `json:"deadline,omitempty"`
	Note     string `json:"note,omitempty"`
	By       string `json:"by"`
	At       string `json:"at"`
}

type jsonComment struct {
	Author string `json:"author"`
	Text   string `json:"text"`
	At     string `json:"at"`
}

func documentJSON(d *inbox.Document) jsonDocument {
	js := jsonDocument{
		jsonSummary: summaryJSON(inbox.Summary{
			ID: d.ID, Direction: d.Direction, State: d.State, Folder: d.Folder, DocumentID: d.DocumentID, Sender: d.Sender,
			CodeNumber: d.CodeNumber, CodeNotation: d.CodeNotation, TypeName: d.TypeName, Subject: d.Subject,
			Priority: d.Priority, Number: d.Number, Date: d.Date, Deadline: d.Deadline, Read: d.Read, Hidden: d.Hidden,
		}),
		Content: d.Content, Place: d.PromulgationPlace, Promulgated: dateOnly(d.PromulgationDate),
		Signer:       strings.TrimSpace(strings.Join([]string{d.Signer.Competence, d.Signer.Position, d.Signer.FullName}, " ")),
		RecallReason: d.RecallReason, Hidden: d.Hidden, Attachments: []jsonAttachment{},
	}
	js.Overdue = !d.Deadline.IsZero() && time.Now().After(d.Deadline.AddDate(0, 0, 1)) && d.State != inbox.StateDone
	if d.Register != nil {
		js.Register = fmt.Sprintf("%s %d", d.Register.Name, d.Register.Year)
	}
	for _, a := range d.Attachments {
		js.Attachments = append(js.Attachments, jsonAttachment{Name: a.Name, ContentType: a.ContentType, Size: a.Blob.Size,
			SHA256: a.Blob.SHA256, Stage: string(a.Stage), Verdict: a.Verdict, Report: a.Verification})
	}
	for _, r := range d.Recipients {
		jr := jsonRecipient{jsonOrg: jsonOrg{r.Code, r.Name}}
		if r.Latest != nil {
			jr.Status, jr.StatusAt, jr.Description = string(r.Latest.Code), rfc3339(r.Latest.At), r.Latest.Description
		}
		js.Recipients = append(js.Recipients, jr)
	}
	for _, a := range d.Assignments {
		js.Assignments = append(js.Assignments, jsonAssignment{Assignee: a.Assignee, Role: string(a.Role), Deadline: dateOnly(a.Deadline),
			Note: a.Note, By: a.By, At: rfc3339(a.At)})
	}
	for _, c := range d.Comments {
		js.Comments = append(js.Comments, jsonComment{Author: c.Author, Text: c.Text, At: rfc3339(c.At)})
	}
	return js
}

func printDocument(w io.Writer, d *inbox.Document, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(documentJSON(d))
	}
	js := documentJSON(d)
	fmt.Fprintf(w, "Document %d — %s (%s)\n", d.ID, d.State.Vietnamese(), d.State.English())
	fmt.Fprintf(w, "  Trích yếu:  %s\n", d.Subject)
	fmt.Fprintf(w, "  Số, ký hiệu: %s   Loại: %s   Độ khẩn: %s\n", js.Number, d.TypeName, d.Priority.Vietnamese())
	fmt.Fprintf(w, "  Nơi gửi:    %s (%s)\n", d.Sender.Name, d.Sender.Code)
	if js.Signer != "" {
		fmt.Fprintf(w, "  Người ký:   %s\n", js.Signer)
	}
	if js.Register != "" {
		fmt.Fprintf(w, "  Vào sổ:     %s, số đến %d\n", js.Register, d.Number)
	}
	if !d.Deadline.IsZero() {
		fmt.Fprintf(w, "  Hạn xử lý:  %s\n", d.Deadline.Format("02/01/2006"))
	}
	for _, a := range js.Attachments {
		v := a.Verdict
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(w, "  Tệp: %s (%d bytes, %s) chữ ký: %s\n", a.Name, a.Size, a.Stage, v)
	}
	for _, a := range js.Assignments {
		fmt.Fprintf(w, "  Phân công: %s (%s) hạn %s — %s\n", a.Assignee, a.Role, a.Deadline, a.Note)
	}
	for _, r := range js.Recipients {
		fmt.Fprintf(w, "  Nơi nhận: %s (%s) trạng thái %s\n", r.Name, r.Code, r.Status)
	}
	if d.RecallReason != "" {
		fmt.Fprintf(w, "  Thu hồi: %s\n", d.RecallReason)
	}
	return nil
}
