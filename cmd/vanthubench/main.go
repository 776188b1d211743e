// Command vanthubench measures Vanthu's signing and verification side by
// side with peer tools on the same files in the same run: sha256sum + cp
// (the floor: one read, one hash, one write), poppler's pdfsig and the
// digitorus/pdfsign library. Every tool runs as its own process so that
// wall time and peak RSS are comparable. `make bench` runs it.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/sample"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "peer" {
		// The pdfsign peer, run as a child process.
		if err := runPeer(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "vanthubench peer:", err)
			os.Exit(1)
		}
		return
	}
	sizes := flag.String("sizes", "1,10,100", "file sizes in MB")
	runs := flag.Int("runs", 5, "runs per measurement (the median is reported); 3 for files of 100 MB and more")
	dir := flag.String("dir", "", "work directory (default: a new directory on /dev/shm, else the temp dir)")
	vanthuctl := flag.String("vanthuctl", "", "vanthuctl binary (default: built into the work directory)")
	flag.Parse()
	if err := run(*sizes, *runs, *dir, *vanthuctl); err != nil {
		fmt.Fprintln(os.Stderr, "vanthubench:", err)
		os.Exit(1)
	}
}

type measure struct {
	wall time.Duration
	rss  int64 // KiB
}

// timeCmd runs a command runs times and returns the median wall time and
// the largest peak RSS.
func timeCmd(runs int, name string, args ...string) (measure, error) {
	var walls []time.Duration
	var rss int64
	for range runs {
		// GNU time reports the peak RSS of the tool alone: a child forked
		// from this process would count this process's memory too.
		rssFile, err := os.CreateTemp("", "vanthubench-rss-")
		if err != nil {
			return measure{}, err
		}
		rssFile.Close()
		cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rssFile.Name(), name}, args...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err = cmd.Run()
		wall := time.Since(start)
		data, _ := os.ReadFile(rssFile.Name())
		os.Remove(rssFile.Name())
		if err != nil {
			return measure{}, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
		}
		var kib int64
		if _, err := fmt.Sscan(strings.TrimSpace(string(data)), &kib); err == nil && kib > rss {
			rss = kib
		}
		walls = append(walls, wall)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	return measure{wall: walls[len(walls)/2], rss: rss}, nil
}

func add(a, b measure) measure {
	return measure{wall: a.wall + b.wall, rss: max(a.rss, b.rss)}
}

func run(sizeList string, runs int, dir, vanthuctl string) error {
	for _, tool := range []string{"pdfsig", "certutil", "pk12util", "sha256sum", "cp", "/usr/bin/time"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: run make deps (packages poppler-utils, libnss3-tools, coreutils, time)", tool)
		}
	}
	if dir == "" {
		base := os.TempDir()
		if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
			base = "/dev/shm"
		}
		d, err := os.MkdirTemp(base, "vanthubench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if vanthuctl == "" {
		vanthuctl = filepath.Join(dir, "vanthuctl")
		build := exec.Command("go", "build", "-o", vanthuctl, "./cmd/vanthuctl")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building vanthuctl: %w", err)
		}
	}

	// One RSA-2048 signer for every tool.
	pki, err := demopki.New(demopki.Options{RSA: true, NoServers: true})
	if err != nil {
		return err
	}
	defer pki.Close()
	const password = "bench-password"
	if err := pki.WriteFiles(dir, []byte(password)); err != nil {
		return err
	}
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte(password), 0o600); err != nil {
		return err
	}
	p12 := filepath.Join(dir, "leader.p12")
	root := filepath.Join(dir, "root.pem")
	nss := filepath.Join(dir, "nss")
	nick, err := makeNSS(nss, p12, root, pwFile)
	if err != nil {
		return err
	}

	fmt.Printf("Vanthu benchmark — %s, %d runs per figure (median wall time, peak RSS), files in %s\n", time.Now().Format("2006-01-02"), runs, dir)
	fmt.Printf("Signer: RSA-2048 software key; PAdES B-B; verification offline (no OCSP/CRL fetches)\n\n")
	fmt.Printf("%-7s %-28s %10s %10s %10s %12s\n", "size", "task", "wall", "MB/s", "peak RSS", "ratio")
	for _, s := range strings.Split(sizeList, ",") {
		var mbs int64
		if _, err := fmt.Sscan(strings.TrimSpace(s), &mbs); err != nil || mbs <= 0 {
			return fmt.Errorf("bad size %q", s)
		}
		size := mbs << 20
		n := runs
		if mbs >= 100 && n > 3 {
			n = 3
		}
		in := filepath.Join(dir, fmt.Sprintf("in-%dMB.pdf", mbs))
		if err := sample.WriteLargePDF(in, size, uint64(size)); err != nil {
			return err
		}
		st, _ := os.Stat(in)
		actual := st.Size()
		outV := filepath.Join(dir, "out-vanthu.pdf")
		outP := filepath.Join(dir, "out-pdfsig.pdf")
		outS := filepath.Join(dir, "out-pdfsign.pdf")

		hash, err := timeCmd(n, "sha256sum", in)
		if err != nil {
			return err
		}
		cp, err := timeCmd(n, "cp", in, filepath.Join(dir, "copy.pdf"))
		if err != nil {
			return err
		}
		floor := add(hash, cp)
		signV, err := timeCmd(n, vanthuctl, "sign", "--p12", p12, "--password-file", pwFile, "-o", outV, in)
		if err != nil {
			return err
		}
		signP, err := timeCmd(n, "pdfsig", in, outP, "-add-signature", "-nssdir", "sql:"+nss, "-nss-pwd", "", "-nick", nick, "-digest", "SHA256")
		if err != nil {
			return err
		}
		signS, err := timeCmd(n, self, "peer", "sign", in, outS, p12, pwFile)
		if err != nil {
			return err
		}
		verV, err := timeCmd(n, vanthuctl, "verify", "--offline", "--trust", root, outV)
		if err != nil {
			return err
		}
		verP, err := timeCmd(n, "pdfsig", "-nssdir", "sql:"+nss, "-no-ocsp", outV)
		if err != nil {
			return err
		}
		verS, err := timeCmd(n, self, "peer", "verify", outV)
		if err != nil {
			return err
		}
		row := func(task string, m measure, ratio string) {
			fmt.Printf("%-7s %-28s %9.3fs %10.0f %8.1fMB %12s\n", fmt.Sprintf("%dMB", mbs), task, m.wall.Seconds(),
				float64(actual)/(1<<20)/m.wall.Seconds(), float64(m.rss)/1024, ratio)
		}
		x := func(a, b measure) string { return fmt.Sprintf("%.2f×", a.wall.Seconds()/b.wall.Seconds()) }
		row("sha256sum + cp (floor)", floor, "1.00×")
		row("sign: vanthu", signV, x(signV, floor)+" floor")
		row("sign: pdfsig -add-signature", signP, x(signV, signP)+" (v/p)")
		row("sign: pdfsign", signS, x(signV, signS)+" (v/p)")
		row("verify: vanthu", verV, x(verV, floor)+" floor")
		row("verify: pdfsig", verP, x(verV, verP)+" (v/p)")
		row("verify: pdfsign", verS, x(verV, verS)+" (v/p)")
		fmt.Println()
		for _, f := range []string{in, outV, outP, outS, filepath.Join(dir, "copy.pdf")} {
			os.Remove(f)
		}
	}
	fmt.Println("ratio: vanthu's time ÷ the other's (below 1 means vanthu is faster); \"floor\" rows divide by sha256sum + cp")
	return nil
}

// makeNSS creates an NSS database holding the signer's key and trusting the root.
func makeNSS(dir, p12, root, pwFile string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	steps := [][]string{
		{"certutil", "-N", "-d", "sql:" + dir, "--empty-password"},
		{"certutil", "-A", "-d", "sql:" + dir, "-n", "vanthu-bench-root", "-t", "CT,C,C", "-i", root},
		{"pk12util", "-i", p12, "-d", "sql:" + dir, "-w", pwFile, "-K", ""},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %w: %s", strings.Join(s, " "), err, out)
		}
	}
	out, err := exec.Command("certutil", "-L", "-d", "sql:"+dir).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("certutil -L: %w: %s", err, out)
	}
	re := regexp.MustCompile(`^(.*?)\s+u,u,u\s*$`)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			return strings.TrimSpace(m[1]), nil
		}
	}
	return "", errors.New("the imported key has no nickname in the NSS database")
}
