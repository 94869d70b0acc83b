package main

import (
	"maps"
	"reflect"
	"strings"
	"testing"
)

func TestParseStream(t *testing.T) {
	tests := []struct {
		name     string
		give     string
		want     map[key]string
		wantJunk int
	}{
		{
			name: "pass fail skip",
			give: `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestB/sub"}
{"Action":"fail","Package":"p","Test":"TestB/sub"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestC"}
{"Action":"skip","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p"}`,
			want: map[key]string{
				{"p", ""}: fail, {"p", "TestA"}: pass, {"p", "TestB"}: fail, {"p", "TestB/sub"}: fail, {"p", "TestC"}: skip,
			},
		},
		{
			name: "build failure",
			give: `{"ImportPath":"p [p.test]","Action":"build-output","Output":"# p\n"}
{"ImportPath":"p [p.test]","Action":"build-fail"}
{"Action":"start","Package":"p"}
{"Action":"fail","Package":"p","FailedBuild":"p [p.test]"}`,
			want: map[key]string{{"p", ""}: buildFail},
		},
		{
			name: "crash leaves the running test without a result",
			give: `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestHang"}
{"Action":"output","Package":"p","Test":"TestHang","Output":"panic: test timed out after 1s\n"}`,
			want: map[key]string{{"p", ""}: noResult, {"p", "TestHang"}: noResult},
		},
		{
			name: "names that change from run to run collide: the worst outcome wins",
			give: `{"Action":"run","Package":"p","Test":"TestA/Equal(0xc0001)"}
{"Action":"fail","Package":"p","Test":"TestA/Equal(0xc0001)"}
{"Action":"run","Package":"p","Test":"TestA/Equal(0xc0002)"}
{"Action":"pass","Package":"p","Test":"TestA/Equal(0xc0002)"}`,
			want: map[key]string{{"p", "TestA/Equal(0x?)"}: fail},
		},
		{
			name: "lines that are not events",
			give: `leakhound: 2 leaks found
{"Action":"run","Package":"p","Test":"TestA"}

{"not":"an event"}
{"Action":"pass","Package":"p","Test":"TestA"}`,
			want:     map[key]string{{"p", "TestA"}: pass},
			wantJunk: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStream(strings.NewReader(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got.Outcome, tt.want) || got.Junk != tt.wantJunk {
				t.Errorf("got %v, junk %d; want %v, junk %d", got.Outcome, got.Junk, tt.want, tt.wantJunk)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	a, b := key{"p", "TestA"}, key{"p", "TestB"}
	tests := []struct {
		name   string
		giveGo []map[key]string
		giveLH []map[key]string
		want   []string // verdicts of TestA and TestB, or TestA only
		wantGo []string // TestA's go outcomes
		wantLH []string // TestA's leakhound outcomes
	}{
		{
			name:   "identical",
			giveGo: []map[key]string{{a: pass, b: skip}, {a: pass, b: skip}},
			giveLH: []map[key]string{{a: pass, b: skip}, {a: pass, b: skip}},
			want:   []string{identical, identical},
			wantGo: []string{pass, pass}, wantLH: []string{pass, pass},
		},
		{
			name:   "leakhound fails a test in one run",
			giveGo: []map[key]string{{a: pass}, {a: pass}},
			giveLH: []map[key]string{{a: pass}, {a: fail}},
			want:   []string{differing},
			wantGo: []string{pass, pass}, wantLH: []string{pass, fail},
		},
		{
			name:   "go test disagrees with itself",
			giveGo: []map[key]string{{a: pass}, {a: fail}},
			giveLH: []map[key]string{{a: fail}, {a: fail}},
			want:   []string{flaky},
			wantGo: []string{pass, fail}, wantLH: []string{fail, fail},
		},
		{
			name:   "missing from one leakhound run",
			giveGo: []map[key]string{{a: pass}, {a: pass}},
			giveLH: []map[key]string{{a: pass}, {}},
			want:   []string{differing},
			wantGo: []string{pass, pass}, wantLH: []string{pass, ""},
		},
		{
			name:   "missing from one go test run",
			giveGo: []map[key]string{{a: pass}, {}},
			giveLH: []map[key]string{{a: pass}, {a: pass}},
			want:   []string{flaky},
			wantGo: []string{pass, ""}, wantLH: []string{pass, pass},
		},
		{
			name:   "missing on one side",
			giveGo: []map[key]string{{a: pass}},
			giveLH: []map[key]string{{b: noResult}},
			want:   []string{onlyGo, onlyLeakhound},
			wantGo: []string{pass}, wantLH: []string{""},
		},
		{
			name:   "no leakhound runs",
			giveGo: []map[key]string{{a: pass}},
			want:   []string{onlyGo},
			wantGo: []string{pass}, wantLH: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := compare(tt.giveGo, tt.giveLH)
			var got []string
			for _, r := range rows {
				got = append(got, r.Verdict)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("verdicts %v, want %v", got, tt.want)
			}
			if r := rows[0]; !reflect.DeepEqual(r.Go, tt.wantGo) || !reflect.DeepEqual(r.Leakhound, tt.wantLH) {
				t.Errorf("TestA: go %q, leakhound %q; want %q, %q", r.Go, r.Leakhound, tt.wantGo, tt.wantLH)
			}
		})
	}
}

func TestFindingAbout(t *testing.T) {
	tests := []struct {
		name string
		give finding
		key  key
		want bool
	}{
		{"same test", finding{Package: "p", Test: "TestA"}, key{"p", "TestA"}, true},
		{"subtest of the test", finding{Package: "p", Test: "TestA/sub"}, key{"p", "TestA"}, true},
		{"test with a longer name", finding{Package: "p", Test: "TestAB"}, key{"p", "TestA"}, false},
		{"other package", finding{Package: "q", Test: "TestA"}, key{"p", "TestA"}, false},
		{"package: any finding in it", finding{Package: "p"}, key{"p", ""}, true},
		{"not attributed to a test", finding{Package: "p"}, key{"p", "TestA"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.about(tt.key); got != tt.want {
				t.Errorf("about(%v) = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

func TestStableName(t *testing.T) {
	tests := []struct {
		give, want string
	}{
		{"TestA/http_429_date", "TestA/http_429_date"},
		{"TestE/Equal((func()_int)(0x667d00),_(func()_int)(0x667d20))", "TestE/Equal((func()_int)(0x?),_(func()_int)(0x?))"},
		{"TestT/Equal(time.Date(2026,_time.December,_7,_6,_44,_55,_348465344,_time.Local))", "TestT/Equal(time.Date(?))"},
	}
	for _, tt := range tests {
		if got := stableName(tt.give); got != tt.want {
			t.Errorf("stableName(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestNamesModule(t *testing.T) {
	const mod = "example.com/m/v2"
	tests := []struct {
		funcs []string
		want  bool
	}{
		{[]string{"time.goFunc", "example.com/m/v2.New"}, true},
		{[]string{"example.com/m/v2/sub.(*T).run"}, true},
		{[]string{"example.com/m/v2_test.TestA.func1"}, true},
		{[]string{"example.com/m/v2x.New", "example.com/m.New"}, false},
		{[]string{"database/sql.OpenDB"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		var f finding
		for _, fn := range tt.funcs {
			f.Origin = append(f.Origin, frame{fn})
		}
		if got := f.namesModule(mod); got != tt.want {
			t.Errorf("namesModule(%q) with origin %q = %v, want %v", mod, tt.funcs, got, tt.want)
		}
	}
}
