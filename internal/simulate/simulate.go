// Package simulate generates a synthetic AWS organization's log archive,
// laid out exactly as the archive bucket holds it, with injected attack
// scenarios and an answer key saying which rules each scenario must trigger.
// It feeds `orgsiem simulate`, `make demo`, end-to-end tests of the scan and
// benchmarks of any size.
//
// The archive holds, for several accounts and regions:
//   - the organization trail's CloudTrail files, one per account, region and
//     five minutes: AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz;
//   - VPC flow logs (default version 2 format with its header line), one
//     file per account, region and five minutes:
//     AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/<account>_vpcflowlogs_<region>_<flow log id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz;
//   - Linux /var/log/secure lines shipped through CloudWatch Logs and
//     archived by the transfer Lambda (archive.CWLogsKey), one object per
//     account, region and hour;
//   - GuardDuty findings exported by the delegated administrator (the
//     security account): AWSLogs/<account>/GuardDuty/<region>/YYYY/MM/DD/<uuid>.jsonl.gz.
//
// Background activity is benign and chosen not to trigger any rule at level
// high or critical; the attack scenarios (ScenarioIDs) are spread evenly over
// the simulated days. The output is a pure function of Options: math/rand/v2's
// PCG seeded with Options.Seed drives every choice, and gzip headers carry no
// time, so two runs with the same options are byte-identical.
package simulate

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
)

// DefaultStart is the first simulated instant when Options.Start is zero.
var DefaultStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Defaults of Options.
const (
	DefaultAccounts      = 5
	DefaultDays          = 1
	DefaultEventsPerHour = 60
	DefaultFlowsPerSlot  = 8
	slot                 = 5 * time.Minute
)

// DefaultRegions are the simulated regions when Options.Regions is empty;
// the first is the home region, where global services (IAM, console
// sign-in) log.
var DefaultRegions = []string{"us-east-1", "eu-west-1"}

// Options configure Generate. Zero values take the defaults.
type Options struct {
	Accounts int       // member accounts, the first ones management, log-archive, security (default 5)
	Days     int       // simulated days (default 1)
	Seed     uint64    // the same seed gives the same archive
	Start    time.Time // first simulated instant (default DefaultStart), truncated to the minute
	Regions  []string  // default DefaultRegions
	// EventsPerHour is the mean number of background CloudTrail events per
	// account and region per hour (default 60).
	EventsPerHour int
	// FlowsPerSlot is the mean number of background VPC flow records per
	// account and region per five minutes (default 8).
	FlowsPerSlot int
	// Quiet leaves out the attack scenarios: background activity only.
	Quiet bool
	// Out is the directory the archive is written to, laid out as the
	// bucket (ignored when Sink is set).
	Out string
	// Sink receives the objects instead of Out.
	Sink Sink
}

// Sink receives the archive's objects, each written completely and closed
// before the next is created.
type Sink interface {
	Create(key string) (io.WriteCloser, error)
}

// DirSink writes each object to the file <Dir>/<key>.
type DirSink struct {
	Dir  string
	made map[string]bool // directories already created
}

// Create creates the file of key, and its directories.
func (d *DirSink) Create(key string) (io.WriteCloser, error) {
	if !filepath.IsLocal(filepath.FromSlash(key)) {
		return nil, fmt.Errorf("simulate: key %q is not a relative path", key)
	}
	p := filepath.Join(d.Dir, filepath.FromSlash(key))
	if dir := filepath.Dir(p); !d.made[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if d.made == nil {
			d.made = map[string]bool{}
		}
		d.made[dir] = true
	}
	return os.Create(p)
}

// AnswerKey says what Generate wrote and which rules each injected scenario
// must trigger.
type AnswerKey struct {
	Seed          uint64     `json:"seed"`
	Start         time.Time  `json:"start"`
	End           time.Time  `json:"end"`
	OrgID         string     `json:"org_id"`
	Regions       []string   `json:"regions"`
	Accounts      []Account  `json:"accounts"`
	ArchiveBucket string     `json:"archive_bucket"`
	Scenarios     []Scenario `json:"scenarios"`
	// Objects and Records count what was written, records by log type.
	Objects int              `json:"objects"`
	Records map[string]int64 `json:"records"`
	Bytes   int64            `json:"bytes"` // uncompressed
}

// Account is one simulated account.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Scenario is one injected attack.
type Scenario struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	Principal string    `json:"principal"`
	SourceIP  string    `json:"source_ip"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	// Rules are the rule ids that must fire on the scenario's events.
	Rules []string `json:"rules"`
	// Events counts the injected records by log type.
	Events map[string]int `json:"events"`
}

// WriteJSON writes the answer key as indented JSON.
func (k *AnswerKey) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(k)
}

// Validate reports whether the options (with their defaults) are usable:
// the accounts, days and rates in range and the regions AWS Region codes.
func (o Options) Validate() error { return o.defaults() }

// defaults fills in the zero values and validates.
func (o *Options) defaults() error {
	if o.Accounts == 0 {
		o.Accounts = DefaultAccounts
	}
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	o.Start = o.Start.UTC().Truncate(time.Minute)
	if len(o.Regions) == 0 {
		o.Regions = DefaultRegions
	}
	if o.EventsPerHour == 0 {
		o.EventsPerHour = DefaultEventsPerHour
	}
	if o.FlowsPerSlot == 0 {
		o.FlowsPerSlot = DefaultFlowsPerSlot
	}
	var errs []error
	if o.Accounts < 1 || o.Accounts > 1000 {
		errs = append(errs, fmt.Errorf("accounts %d: want 1 to 1000", o.Accounts))
	}
	if o.Days < 1 || o.Days > 366 {
		errs = append(errs, fmt.Errorf("days %d: want 1 to 366", o.Days))
	}
	if o.EventsPerHour < 0 || o.FlowsPerSlot < 0 {
		errs = append(errs, errors.New("events per hour and flows per slot must not be negative"))
	}
	for _, r := range o.Regions {
		if !archive.ValidRegion(r) {
			errs = append(errs, fmt.Errorf("region %q is not an AWS Region code", r))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("simulate: %w", errors.Join(errs...))
	}
	return nil
}

// streamKey names one output stream: a log type in an account and region
// (GuardDuty findings: account "").
type streamKey struct{ typ, account, region string }

// event is one encoded record (a JSON record or a text line) and its time.
type event struct {
	t time.Time
	b []byte
}

// state is one run of the generator.
type state struct {
	opts      Options
	g         *rng
	org       *org
	end       time.Time
	weights   [2]float64 // total template weight outside / inside the home region
	detectors map[string]string
	pending   map[streamKey][]event // scenario events by stream
	sink      Sink
	zw        *gzip.Writer  // reused for every object
	bw        *bufio.Writer // reused, between the records and zw
	key       *AnswerKey
	err       error
}

func newState(opts Options) *state {
	g := newRNG(opts.Seed)
	s := &state{opts: opts, g: g, org: newOrg(g, opts.Accounts, opts.Regions),
		end: opts.Start.Add(time.Duration(opts.Days) * 24 * time.Hour), detectors: map[string]string{}, pending: map[streamKey][]event{}}
	for _, t := range background {
		s.weights[1] += t.weight
		if !t.global {
			s.weights[0] += t.weight
		}
	}
	for _, r := range opts.Regions {
		s.detectors[r] = g.hex(32)
	}
	return s
}

func (s *state) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// Generate writes a synthetic organization archive to opts.Sink (or the
// directory opts.Out) and returns its answer key.
func Generate(opts Options) (*AnswerKey, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	s := newState(opts)
	s.sink = opts.Sink
	if s.sink == nil {
		if opts.Out == "" {
			return nil, errors.New("simulate: no output: set Options.Out or Options.Sink")
		}
		s.sink = &DirSink{Dir: opts.Out}
	}
	s.key = &AnswerKey{Seed: opts.Seed, Start: opts.Start, End: s.end, OrgID: s.org.ID, Regions: opts.Regions,
		ArchiveBucket: s.org.archiveBucket, Scenarios: []Scenario{}, Records: map[string]int64{}}
	for _, a := range s.org.accounts {
		s.key.Accounts = append(s.key.Accounts, Account{ID: a.ID, Name: a.Name})
	}
	if !opts.Quiet {
		s.playScenarios()
	}
	for k := range s.pending {
		slices.SortStableFunc(s.pending[k], func(x, y event) int { return x.t.Compare(y.t) })
	}
	for _, a := range s.org.accounts {
		for ri, region := range opts.Regions {
			s.cloudTrail(a, region, ri == 0)
			s.flows(a, region)
			s.secure(a, region)
			s.eksAudit(a, region)
			s.configEvents(a, region)
		}
	}
	for _, region := range opts.Regions {
		s.findings(region)
	}
	if s.err != nil {
		return nil, s.err
	}
	return s.key, nil
}

// playScenarios places the scenarios evenly over the simulated time, each
// in a workload account (rotating from a random one) and region.
func (s *state) playScenarios() {
	total := s.end.Sub(s.opts.Start)
	targets := s.org.workloads()
	first := s.g.intn(len(targets))
	for i, def := range scenarios {
		a := targets[(first+i)%len(targets)]
		region := s.opts.Regions[0]
		if !def.global {
			region = pick(s.g, s.opts.Regions)
		}
		start := s.opts.Start.Add(total * time.Duration(i+1) / time.Duration(len(scenarios)+1)).Truncate(time.Minute)
		start = start.Add(time.Duration(s.g.between(0, 20))*time.Minute + time.Duration(s.g.between(0, 59))*time.Second)
		key := Scenario{ID: def.id, Title: def.title, Account: a.ID, Region: region, Start: start, End: start,
			SourceIP: fmt.Sprintf("203.0.113.%d", 10*i+s.g.between(1, 9)), Rules: slices.Clone(def.rules), Events: map[string]int{}}
		sc := &scene{s: s, a: a, region: region, t: start, ip: key.SourceIP, key: &key}
		def.play(sc)
		s.key.Scenarios = append(s.key.Scenarios, key)
	}
}

// take removes and returns the pending events of k before t.
func (s *state) take(k streamKey, t time.Time) []event {
	p := s.pending[k]
	n := 0
	for n < len(p) && p[n].t.Before(t) {
		n++
	}
	s.pending[k] = p[n:]
	return p[:n]
}

// merge sorts background events and adds the pending ones of k before t.
func (s *state) merge(bg []event, k streamKey, t time.Time) []event {
	all := append(bg, s.take(k, t)...)
	slices.SortStableFunc(all, func(x, y event) int { return x.t.Compare(y.t) })
	return all
}

// slots calls fn for each period of length d from the start until the end
// of the simulation and then until the stream has no pending event left.
func (s *state) slots(k streamKey, d time.Duration, fn func(from, to time.Time)) {
	for t := s.opts.Start; t.Before(s.end) || len(s.pending[k]) > 0; t = t.Add(d) {
		fn(t, t.Add(d))
	}
}

// count is a random count with the given mean (uniform on [0, 2*mean]).
func (s *state) count(mean float64) int {
	return s.g.intn(int(2*mean) + 1)
}

func (s *state) cloudTrail(a *account, region string, home bool) {
	k := streamKey{archive.TypeCloudTrail, a.ID, region}
	s.slots(k, slot, func(from, to time.Time) {
		var bg []event
		for range s.count(float64(s.opts.EventsPerHour) / 12) {
			t := s.g.within(from, slot).Truncate(time.Second)
			b, err := json.Marshal(s.record(s.pickTemplate(home).make(s, a, region), a, region, t))
			if err != nil {
				s.fail(fmt.Errorf("simulate: encode CloudTrail record: %w", err))
				return
			}
			bg = append(bg, event{t, b})
		}
		evs := s.merge(bg, k, to)
		if len(evs) == 0 {
			return
		}
		name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", a.ID, region, to.Format("20060102T1504Z"), s.g.str(mixedAlnum, 16))
		key := fmt.Sprintf("AWSLogs/%s/%s/CloudTrail/%s/%s/%s", s.org.ID, a.ID, region, to.Format("2006/01/02"), name)
		s.object(key, archive.TypeCloudTrail, len(evs), func(w io.Writer) (int64, error) {
			cw := &countingWriter{w: w}
			io.WriteString(cw, `{"Records":[`)
			for i, e := range evs {
				if i > 0 {
					cw.Write([]byte{','})
				}
				cw.Write(e.b)
			}
			io.WriteString(cw, "]}\n")
			return cw.n, cw.err
		})
	})
}

func (s *state) flows(a *account, region string) {
	k := streamKey{archive.TypeVPCFlow, a.ID, region}
	s.slots(k, slot, func(from, to time.Time) {
		var bg []event
		for range s.count(float64(s.opts.FlowsPerSlot)) {
			t := s.g.within(from, slot).Truncate(time.Second)
			bg = append(bg, event{t, []byte(s.backgroundFlow(a, region, t).line(a, region))})
		}
		evs := s.merge(bg, k, to)
		if len(evs) == 0 {
			return
		}
		name := fmt.Sprintf("%s_vpcflowlogs_%s_%s_%s_%s.log.gz", a.ID, region, a.flowLogID[region], to.Format("20060102T1504Z"), s.g.hex(8))
		key := fmt.Sprintf("AWSLogs/%s/vpcflowlogs/%s/%s/%s", a.ID, region, to.Format("2006/01/02"), name)
		s.object(key, archive.TypeVPCFlow, len(evs), linesWriter(flowHeader, evs))
	})
}

func (s *state) secure(a *account, region string) {
	k := streamKey{archive.TypeLinux, a.ID, region}
	s.slots(k, time.Hour, func(from, to time.Time) {
		var bg []event
		for _, inst := range a.instances[region] {
			for range s.count(1.5) {
				for _, l := range s.backgroundSecure(a, region, inst, s.g.within(from, time.Hour).Truncate(time.Second)) {
					bg = append(bg, event{l.t, s.cwEvent(a, inst, l.t, l.line)})
				}
			}
		}
		evs := s.merge(bg, k, to)
		if len(evs) == 0 {
			return
		}
		key := archive.CWLogsKey(a.ID, region, secureLogGroup, from, "secure-"+s.g.hex(16))
		s.object(key, archive.TypeLinux, len(evs), linesWriter("", evs))
	})
}

// eksAudit writes the EKS audit Events of account a's cluster in region,
// one object per hour that has any. Only scenarios write Events: a
// background of kubectl reads would add volume, not detections.
func (s *state) eksAudit(a *account, region string) {
	k := streamKey{archive.TypeEKSAudit, a.ID, region}
	if len(s.pending[k]) == 0 {
		return
	}
	s.slots(k, time.Hour, func(from, to time.Time) {
		evs := s.take(k, to)
		if len(evs) == 0 {
			return
		}
		key := archive.CWLogsKey(a.ID, region, eksLogGroup(), from, "eks-audit-"+s.g.hex(16))
		s.object(key, archive.TypeEKSAudit, len(evs), linesWriter("", evs))
	})
}

// cwEvent encodes one CloudWatch Logs event of instance inst's log stream.
func (s *state) cwEvent(a *account, inst instance, t time.Time, msg string) []byte {
	b, err := json.Marshal(cwLine{ID: s.g.str(digits, 56), Timestamp: t.UnixMilli(), Message: msg,
		LogGroup: secureLogGroup, LogStream: inst.ID, Owner: a.ID})
	if err != nil {
		s.fail(fmt.Errorf("simulate: encode CloudWatch Logs event: %w", err))
	}
	return b
}

// findings writes the GuardDuty export of one region: about one
// low-severity background finding per account and day, plus the scenarios'
// findings, one object per hour that has any.
func (s *state) findings(region string) {
	k := streamKey{archive.TypeGuardDuty, "", region}
	var bg []event
	for day := s.opts.Start; day.Before(s.end); day = day.Add(24 * time.Hour) {
		for _, a := range s.org.accounts {
			for range s.count(1) {
				t := s.g.within(day, 24*time.Hour).Truncate(time.Second)
				b, err := json.Marshal(s.backgroundFinding(a, region, t))
				if err != nil {
					s.fail(fmt.Errorf("simulate: encode GuardDuty finding: %w", err))
					return
				}
				bg = append(bg, event{t, b})
			}
		}
	}
	s.pending[k] = s.merge(bg, k, s.end.Add(24*time.Hour))
	s.slots(k, time.Hour, func(from, to time.Time) {
		evs := s.take(k, to)
		if len(evs) == 0 {
			return
		}
		key := fmt.Sprintf("AWSLogs/%s/GuardDuty/%s/%s/%s.jsonl.gz", s.org.security.ID, region, to.Format("2006/01/02"), s.g.uuid())
		s.object(key, archive.TypeGuardDuty, len(evs), linesWriter("", evs))
	})
}

// configEvents writes the AWS Config events of account a in region as an
// EventBridge rule delivers them through Firehose to the typed prefix
// config/ (config/YYYY/MM/DD/HH/<stream>-<n>-<time>-<uuid>, Firehose's
// default layout; the key names no account, the events do), one object per
// account, region and hour that has any. Only scenarios write them.
func (s *state) configEvents(a *account, region string) {
	k := streamKey{archive.TypeConfig, a.ID, region}
	if len(s.pending[k]) == 0 {
		return
	}
	s.slots(k, time.Hour, func(from, to time.Time) {
		evs := s.take(k, to)
		if len(evs) == 0 {
			return
		}
		key := fmt.Sprintf("config/%s/orgsiem-config-1-%s-%s", from.Format("2006/01/02/15"), from.Format("2006-01-02-15-04-05"), s.g.uuid())
		s.object(key, archive.TypeConfig, len(evs), linesWriter("", evs))
	})
}

// linesWriter writes an optional header line and one line per event.
func linesWriter(header string, evs []event) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		cw := &countingWriter{w: w}
		if header != "" {
			io.WriteString(cw, header+"\n")
		}
		for _, e := range evs {
			cw.Write(e.b)
			cw.Write([]byte{'\n'})
		}
		return cw.n, cw.err
	}
}

// object writes one gzip-compressed object of records records of type typ.
func (s *state) object(key, typ string, records int, write func(io.Writer) (int64, error)) {
	if s.err != nil {
		return
	}
	f, err := s.sink.Create(key)
	if err != nil {
		s.fail(fmt.Errorf("simulate: create %s: %w", key, err))
		return
	}
	if s.zw == nil {
		s.zw, _ = gzip.NewWriterLevel(f, gzip.BestSpeed) // a valid level: no error
		s.bw = bufio.NewWriterSize(s.zw, 64<<10)
	} else {
		s.zw.Reset(f)
		s.bw.Reset(s.zw)
	}
	n, err := write(s.bw)
	err = cmp.Or(err, s.bw.Flush(), s.zw.Close(), f.Close())
	if err != nil {
		s.fail(fmt.Errorf("simulate: write %s: %w", key, err))
		return
	}
	s.key.Objects++
	s.key.Records[typ] += int64(records)
	s.key.Bytes += n
}

// countingWriter counts bytes and keeps the first error.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
