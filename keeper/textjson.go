package keeper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// A Text is stored (an event's sentence, rendered again when someone reads
// the history) as its key and data, so it can be read in any language
// later. The values that render per language keep their type:
//
//	{"key": "event.status_changed", "data": {"From": {"key": "status.valid"}, "At": {"time": "2026-05-01T09:00:00Z"}}}
//
// A Text without a key keeps its template: {"text": "…", "data": {…}}.
// Days are {"day": "2006-01-02"}, durations {"duration": "6h0m0s"}.

type textJSON struct {
	Key  string                     `json:"key,omitempty"`
	Text string                     `json:"text,omitempty"`
	Data map[string]json.RawMessage `json:"data,omitempty"`
}

// MarshalJSON stores the text for rendering later.
func (t Text) MarshalJSON() ([]byte, error) {
	j := textJSON{Key: t.Key}
	if t.Key == "" {
		j.Text = t.Template
	}
	data, err := marshalData(t.Data)
	if err != nil {
		return nil, err
	}
	if len(data) > 0 {
		j.Data = data
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a stored text; a key keeper knows gets its English
// template back.
func (t *Text) UnmarshalJSON(b []byte) error {
	var j textJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	data, err := unmarshalData(j.Data)
	if err != nil {
		return err
	}
	*t = Text{Key: j.Key, Template: j.Text, Data: data}
	if j.Key != "" {
		t.Template, _ = catalogTemplate(j.Key)
	}
	return nil
}

func marshalData(data map[string]any) (map[string]json.RawMessage, error) {
	if len(data) == 0 {
		return nil, nil
	}
	out := make(map[string]json.RawMessage, len(data))
	for k, v := range data {
		var tagged any = v
		switch v := v.(type) {
		case time.Time:
			tagged = map[string]string{"time": v.UTC().Format(time.RFC3339Nano)}
		case Day:
			tagged = map[string]string{"day": time.Time(v).Format(time.DateOnly)}
		case time.Duration:
			tagged = map[string]string{"duration": v.String()}
		}
		b, err := json.Marshal(tagged)
		if err != nil {
			return nil, fmt.Errorf("the value of %s: %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}

func unmarshalData(raw map[string]json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(raw))
	for k, b := range raw {
		v, err := unmarshalValue(b)
		if err != nil {
			return nil, fmt.Errorf("the value of %s: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

func unmarshalValue(b json.RawMessage) (any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber() // 3 stays "3", not "3e+00"
		var v any
		err := d.Decode(&v)
		return v, err
	}
	var tag struct {
		Time     *string `json:"time"`
		Day      *string `json:"day"`
		Duration *string `json:"duration"`
	}
	if err := json.Unmarshal(b, &tag); err != nil {
		return nil, err
	}
	switch {
	case tag.Time != nil:
		return time.Parse(time.RFC3339Nano, *tag.Time)
	case tag.Day != nil:
		d, err := time.Parse(time.DateOnly, *tag.Day)
		return Day(d), err
	case tag.Duration != nil:
		return time.ParseDuration(*tag.Duration)
	}
	var t Text
	err := json.Unmarshal(b, &t)
	return t, err
}
