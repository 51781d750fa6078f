package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestGroupedEventsAreOneRowWithACount(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	first := e.clock.Now()
	for i := range 5 {
		e.clock.Advance(1)
		if _, err := s.AppendEvent(ctx, Event{Kind: "login_rejected", Detail: fmt.Sprintf("try %d", i), Group: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AppendEvent(ctx, Event{Kind: "login_rejected", Detail: "other", Group: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvent(ctx, Event{Kind: "page_connected", Detail: "x"}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // counted elsewhere and written together
		if _, err := s.AppendEvent(ctx, Event{Kind: "login_rejected", Detail: "many", Group: "b", Count: 5}); err != nil {
			t.Fatal(err)
		}
	}
	// A restart: the group goes on counting in the same row.
	s.Close()
	s = e.open(t)
	id, err := s.AppendEvent(ctx, Event{Kind: "login_rejected", Detail: "after the restart", Group: "a"})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, "", 0)
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events, want 3: %+v %v", len(evs), evs, err)
	}
	a := evs[2] // the oldest
	if a.ID != id || a.Group != "a" || a.Count != 6 || a.Detail != "try 0" || !a.At.After(first.Add(-1)) {
		t.Fatalf("group a = %+v (id %d), want count 6, its first detail and time", a, id)
	}
	if evs[1].Count != 11 || evs[1].Group != "b" || evs[0].Count != 1 || evs[0].Group != "" {
		t.Fatalf("others: %+v", evs[:2])
	}
}

// Counting is the one change an event allows, and only upwards.
func TestGroupedEventsStayAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).open(t)
	id, err := s.AppendEvent(ctx, Event{Kind: "login_rejected", Detail: "x", Group: "g"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE events SET detail = 'changed' WHERE id = ?", "UPDATE events SET count = 0 WHERE id = ?",
		"UPDATE events SET group_key = 'other' WHERE id = ?", "UPDATE events SET at = 0, count = count + 1 WHERE id = ?",
		"DELETE FROM events WHERE id = ?",
	} {
		err := s.Update(ctx, func(tx *Tx) error { _, err := tx.exec(q, id); return err })
		if err == nil || !strings.Contains(err.Error(), "events are append-only") {
			t.Errorf("%s: want the trigger's error, got %v", q, err)
		}
	}
	plain, err := s.AppendEvent(ctx, Event{Kind: "page_connected", Detail: "y"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *Tx) error { _, err := tx.exec("UPDATE events SET count = 2 WHERE id = ?", plain); return err })
	if err == nil || !strings.Contains(err.Error(), "events are append-only") {
		t.Errorf("an ordinary event must not be counted: %v", err)
	}
	evs, _ := s.Events(ctx, "", 0)
	if len(evs) != 2 || evs[1].Detail != "x" || evs[1].Count != 1 || evs[0].Count != 1 {
		t.Errorf("events changed: %+v", evs)
	}
}

// A folder written before counts existed opens with every event counted once.
func TestEventsOfAnOlderSchemaCountOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	all := migrations
	migrations = all[:2]
	s := e.open(t)
	if err := s.Update(ctx, func(tx *Tx) error { // as that version wrote them
		_, err := tx.exec("INSERT INTO events (at, kind, detail) VALUES (1, 'page_connected', 'old')")
		return err
	}); err != nil {
		migrations = all
		t.Fatal(err)
	}
	s.Close()
	migrations = all
	s = e.open(t)
	evs, err := s.Events(ctx, "", 0)
	if err != nil || len(evs) != 1 || evs[0].Count != 1 || evs[0].Detail != "old" || evs[0].TextKey != "" || evs[0].TextData != "{}" {
		t.Fatalf("%+v %v", evs, err)
	}
	err = s.Update(ctx, func(tx *Tx) error { _, err := tx.exec("UPDATE events SET detail = 'changed'"); return err })
	if err == nil || !strings.Contains(err.Error(), "events are append-only") {
		t.Errorf("after the upgrade events are still append-only: %v", err)
	}
}

// An event keeps its message key and values beside the English detail, and
// they are as unchangeable as the rest of it.
func TestEventsKeepTheirMessage(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).open(t)
	const data = `{"Name":"Sunrise Café"}`
	id, err := s.AppendEvent(ctx, Event{Kind: "page_connected", PageID: "1", Detail: "Sunrise Café connected",
		TextKey: "event.page_connected", TextData: data})
	if err != nil {
		t.Fatal(err)
	}
	grouped, err := s.AppendEvent(ctx, Event{Kind: "login_rejected", Detail: "refused", TextKey: "event.login_rejected", Group: "g"})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, "", 0)
	if err != nil || len(evs) != 2 {
		t.Fatalf("%+v %v", evs, err)
	}
	if e := evs[1]; e.TextKey != "event.page_connected" || e.TextData != data || e.Detail != "Sunrise Café connected" {
		t.Errorf("read back %+v", e)
	}
	if e := evs[0]; e.TextKey != "event.login_rejected" || e.TextData != "{}" {
		t.Errorf("a grouped event without values: %+v", e)
	}
	for _, q := range []string{"UPDATE events SET text_key = 'other' WHERE id = ?", `UPDATE events SET text_data = '{"Name":"x"}' WHERE id = ?`,
		"UPDATE events SET text_key = 'other', count = count + 1 WHERE id = ?"} {
		for _, target := range []int64{id, grouped} {
			err := s.Update(ctx, func(tx *Tx) error { _, err := tx.exec(q, target); return err })
			if err == nil || !strings.Contains(err.Error(), "events are append-only") {
				t.Errorf("%s (event %d): want the trigger's error, got %v", q, target, err)
			}
		}
	}
	_, err = s.AppendEvent(ctx, Event{Kind: "page_connected", Detail: "x", TextKey: "k", TextData: "not json"})
	if err == nil {
		t.Error("values that are not JSON were stored")
	}
}
