package sandbox

import (
	"fmt"
	"time"
)

// The demo world. IDs are fixed numeric strings so tests and the sandbox can
// name them; only token, code and trace strings depend on Options.Seed.
const (
	DemoUserID     = "100000000000001"
	DemoUserName   = "Ana Rivera"
	SecondUserID   = "100000000000002"
	SecondUserName = "Ben Okafor"
	// NoPagesUserID is a scripted user with no Page roles at all.
	NoPagesUserID   = "100000000000003"
	NoPagesUserName = "Chloe Park"

	// Demo user's Pages.
	PageSunriseCafe       = "110000000000001" // full admin (classic tasks), conversation 1 h old (inside the 24 h window)
	PageHarborBooks       = "110000000000002" // full control (New Pages Experience tasks), conversation 3 days old (outside the window)
	PageGreenLeafYoga     = "110000000000003" // MODERATE only: can subscribe, cannot message
	PageNightOwlBakery    = "110000000000004" // ANALYZE/ADVERTISE only: cannot be connected
	PageOldTownTailor     = "110000000000005" // full admin, unpublished
	PageRiversideDental   = "110000000000006" // business-owned: not in /me/accounts
	PageBlueDoorStudio    = "110000000000007" // full control (New Pages Experience tasks), shared with SecondUserID
	PageMapleStreetMarket = "110000000000008" // full admin, client Page of DemoBusinessID
	// Second user's own Page (he also admins PageBlueDoorStudio).
	PageLakesideBikes = "110000000000009"

	// DemoBusinessID is the demo user's business portfolio: it owns
	// PageRiversideDental and has PageMapleStreetMarket as a client Page.
	DemoBusinessID   = "120000000000001"
	DemoBusinessName = "Rivera Hospitality Group"

	// Page-scoped IDs of the customers in the demo conversations.
	SunriseCafePSID       = "7100000000000001"
	HarborBooksPSID       = "7100000000000002"
	MapleStreetMarketPSID = "7100000000000003"
	BlueDoorStudioPSID    = "7100000000000004"

	// Generated Page N (1-based) has ID ExtraPageID(N): "13" + 13 digits.
	extraPageIDPrefix = "13"
)

// ExtraPageID returns the ID of the n-th generated Page (1-based).
func ExtraPageID(n int) string { return fmt.Sprintf("%s%013d", extraPageIDPrefix, n) }

// Task sets. Pages answer with one of two families of task names
// (PageTasks): the classic ones and, on the New Pages Experience, the
// PROFILE_PLUS_ ones (docs/FACEBOOK.md §3).
var (
	// FullAdminTasks: a classic full admin (restfb's test fixture).
	FullAdminTasks = []string{"ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"}
	// FullControlTasks: full control of a New Pages Experience Page.
	FullControlTasks = []string{"PROFILE_PLUS_FULL_CONTROL", "PROFILE_PLUS_MANAGE", "PROFILE_PLUS_FACEBOOK_ACCESS",
		"PROFILE_PLUS_CREATE_CONTENT", "PROFILE_PLUS_MODERATE", "PROFILE_PLUS_MESSAGING", "PROFILE_PLUS_ANALYZE",
		"PROFILE_PLUS_ADVERTISE", "PROFILE_PLUS_REVENUE"}
	moderateTasks = []string{"MODERATE"}
	analystTasks  = []string{"ANALYZE", "ADVERTISE"}
)

// PageInfo describes a Page of the world.
type PageInfo struct {
	ID, Name, Username, Link string
	Category                 string
	Published                bool
	Tasks                    map[string][]string // user ID → tasks on this Page
	OwnerBusinessID          string              // set for business-owned Pages
	ClientOfBusinessID       string              // set for client Pages of a business
}

type page struct {
	id, name, username   string
	category, categoryID string
	published            bool
	ownerBiz, clientBiz  string
	sub                  *subscription // nil = app not subscribed
}

type subscription struct{ fields []string }

type role struct {
	tasks       []string
	viaBusiness bool // reached through a business portfolio, not a direct role
}

type business struct {
	id, name       string
	members        []string
	owned, clients []string
}

type user struct {
	id, name  string
	roles     map[string]*role
	pageOrder []string
	biz       []string

	grant       *grant // nil: never logged in, or app removed
	revocations []revocation
	checkpoint  bool
	unconfirmed bool
	dataAccess  time.Time // when data access expires

	accCache []string
	accKey   accountsKey
}

// grant is what the person approved in the dialog.
type grant struct {
	perms     map[string]string // permission → "granted" | "declined"
	permOrder []string
	pages     map[string]bool // Pages ticked in the Page picker
	// pagesChosen: the person has been through the Page picker (or a test
	// granted Pages directly); before that, the picker starts all ticked.
	pagesChosen bool
	version     int
}

func (g *grant) has(perm string) bool { return g != nil && g.perms[perm] == "granted" }

func (g *grant) setPerm(p, status string) {
	if _, ok := g.perms[p]; !ok {
		g.permOrder = append(g.permOrder, p)
	}
	g.perms[p] = status
}

func (g *grant) clone() *grant {
	if g == nil {
		return nil
	}
	n := &grant{perms: map[string]string{}, pages: map[string]bool{}, version: g.version, pagesChosen: g.pagesChosen}
	n.permOrder = append(n.permOrder, g.permOrder...)
	for k, v := range g.perms {
		n.perms[k] = v
	}
	for k, v := range g.pages {
		n.pages[k] = v
	}
	return n
}

// revocation invalidates every token of a user issued at or before seq.
type revocation struct {
	id      int
	seq     uint64
	subcode int
	msg     string
}

type conversation struct {
	id, pageID, psid, name string
	lastUserAt             time.Time // the person's last message: starts the 24 h window
	updated                time.Time
	messages               []*message
}

type message struct {
	id, fromID, fromName, toID, toName, text string
	created                                  time.Time
}

var customerNames = []string{"Lucía Gómez", "Tom Becker", "Priya Nair", "Jonas Weber", "Mei Lin", "Sam Carter"}

func (f *Fake) buildWorld() {
	f.users = map[string]*user{}
	f.pages = map[string]*page{}
	f.businesses = map[string]*business{}
	f.convs = map[string]*conversation{}
	f.pageConvs = map[string][]*conversation{}

	for _, u := range []struct{ id, name string }{{DemoUserID, DemoUserName}, {SecondUserID, SecondUserName}, {NoPagesUserID, NoPagesUserName}} {
		f.users[u.id] = &user{id: u.id, name: u.name, roles: map[string]*role{}}
		f.userOrder = append(f.userOrder, u.id)
	}
	addPage := func(id, name, username, category, catID string, published bool) *page {
		p := &page{id: id, name: name, username: username, category: category, categoryID: catID, published: published}
		f.pages[id] = p
		f.pageOrder = append(f.pageOrder, id)
		return p
	}
	give := func(uid, pid string, tasks []string, viaBiz bool) {
		u := f.users[uid]
		u.roles[pid] = &role{tasks: tasks, viaBusiness: viaBiz}
		u.pageOrder = append(u.pageOrder, pid)
	}

	addPage(PageSunriseCafe, "Sunrise Café", "sunrisecafe.demo", "Coffee Shop", "128673187201735", true)
	addPage(PageHarborBooks, "Harbor Books", "harborbooks.demo", "Book Store", "197048876974495", true)
	addPage(PageGreenLeafYoga, "Green Leaf Yoga", "greenleafyoga.demo", "Yoga Studio", "360467697382452", true)
	addPage(PageNightOwlBakery, "Night Owl Bakery", "nightowlbakery.demo", "Bakery", "197871390225897", true)
	addPage(PageOldTownTailor, "Old Town Tailor", "oldtowntailor.demo", "Tailor", "142119055847427", false)
	addPage(PageRiversideDental, "Riverside Dental", "riversidedental.demo", "Dentist & Dental Office", "170003069698424", true).ownerBiz = DemoBusinessID
	addPage(PageBlueDoorStudio, "Blue Door Studio", "bluedoorstudio.demo", "Photography Videography", "181475575221097", true)
	addPage(PageMapleStreetMarket, "Maple Street Market", "maplestreetmarket.demo", "Grocery Store", "150108431712141", true).clientBiz = DemoBusinessID
	addPage(PageLakesideBikes, "Lakeside Bikes", "lakesidebikes.demo", "Bicycle Shop", "196492863709328", true)

	give(DemoUserID, PageSunriseCafe, FullAdminTasks, false)
	give(DemoUserID, PageHarborBooks, FullControlTasks, false)
	give(DemoUserID, PageGreenLeafYoga, moderateTasks, false)
	give(DemoUserID, PageNightOwlBakery, analystTasks, false)
	give(DemoUserID, PageOldTownTailor, FullAdminTasks, false)
	give(DemoUserID, PageRiversideDental, FullAdminTasks, true)
	give(DemoUserID, PageBlueDoorStudio, FullControlTasks, false)
	give(DemoUserID, PageMapleStreetMarket, FullAdminTasks, false)
	give(SecondUserID, PageBlueDoorStudio, FullControlTasks, false)
	give(SecondUserID, PageLakesideBikes, FullAdminTasks, false)

	f.businesses[DemoBusinessID] = &business{id: DemoBusinessID, name: DemoBusinessName,
		members: []string{DemoUserID}, owned: []string{PageRiversideDental}, clients: []string{PageMapleStreetMarket}}
	f.users[DemoUserID].biz = []string{DemoBusinessID}

	// Generated Pages share one task slice and are built in one pass, so
	// 10,000 of them cost a few MB and a few milliseconds.
	demo := f.users[DemoUserID]
	n := f.opts.ExtraPages
	if n > 0 {
		pages := make([]page, n)
		roles := make([]role, n)
		for i := range n {
			id := ExtraPageID(i + 1)
			pages[i] = page{id: id, name: fmt.Sprintf("Sandbox Page %05d", i+1), username: fmt.Sprintf("sandboxpage%05d", i+1),
				category: "Local Business", categoryID: "2500", published: true}
			f.pages[id] = &pages[i]
			f.pageOrder = append(f.pageOrder, id)
			roles[i] = role{tasks: FullAdminTasks}
			demo.roles[id] = &roles[i]
			demo.pageOrder = append(demo.pageOrder, id)
		}
	}

	now := f.clock.Now()
	f.addConversation(PageSunriseCafe, SunriseCafePSID, now.Add(-time.Hour))
	f.addConversation(PageHarborBooks, HarborBooksPSID, now.Add(-72*time.Hour))
	f.addConversation(PageMapleStreetMarket, MapleStreetMarketPSID, now.Add(-2*time.Hour))
	f.addConversation(PageBlueDoorStudio, BlueDoorStudioPSID, now.Add(-10*24*time.Hour))
}

// addConversation records a message from the person psid at t. Callers hold f.mu.
func (f *Fake) addConversation(pageID, psid string, t time.Time) *conversation {
	c, _ := f.addCustomerMessage(pageID, psid, "Hi! Are you open today?", t)
	return c
}

// addCustomerMessage records text from the person psid at t, creating the
// conversation if needed; the 24-hour window runs from t. Callers hold f.mu.
func (f *Fake) addCustomerMessage(pageID, psid, text string, t time.Time) (*conversation, *message) {
	p := f.pages[pageID]
	if p == nil {
		return nil, nil
	}
	var c *conversation
	for _, x := range f.pageConvs[pageID] {
		if x.psid == psid {
			c = x
		}
	}
	if c == nil {
		n := len(f.convs)
		c = &conversation{id: fmt.Sprintf("t_%d", 10000000000000+int64(n)+1), pageID: pageID, psid: psid,
			name: customerNames[n%len(customerNames)]}
		f.convs[c.id] = c
		f.pageConvs[pageID] = append(f.pageConvs[pageID], c)
	}
	if t.After(c.lastUserAt) {
		c.lastUserAt = t
	}
	if t.After(c.updated) {
		c.updated = t
	}
	m := &message{id: "m_" + f.randString(40, alnum), fromID: psid, fromName: c.name,
		toID: pageID, toName: p.name, text: text, created: t}
	c.messages = append(c.messages, m)
	return c, m
}

func (p *page) link() string { return "https://www.facebook.com/" + p.username }

// Pages lists every Page of the world, demo Pages first.
func (f *Fake) Pages() []PageInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]PageInfo, 0, len(f.pageOrder))
	for _, id := range f.pageOrder {
		p := f.pages[id]
		pi := PageInfo{ID: id, Name: p.name, Username: p.username, Link: p.link(), Category: p.category,
			Published: p.published, OwnerBusinessID: p.ownerBiz, ClientOfBusinessID: p.clientBiz, Tasks: map[string][]string{}}
		for _, uid := range f.userOrder {
			if r := f.users[uid].roles[id]; r != nil {
				pi.Tasks[uid] = append([]string(nil), r.tasks...)
			}
		}
		out = append(out, pi)
	}
	return out
}
