package skills_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/skills"
)

func TestProbeHandCycle(t *testing.T) {
	team := t.TempDir()
	for _, p := range [][2]string{{"aa", "bb"}, {"bb", "cc"}, {"cc", "aa"}} {
		os.MkdirAll(filepath.Join(team, p[0]), 0o755)
		os.WriteFile(filepath.Join(team, p[0], p[0]+".go"), []byte("package "+p[0]+"\n\nimport \"skills/"+p[1]+"\"\n\n// F f.\nfunc F() int { return "+p[1]+".F() }\n"), 0o644)
	}
	l := newLib(t, t.TempDir(), team)
	done := make(chan bool)
	go func() {
		t.Logf("Drifted %v", l.Drifted())
		res, err := l.Check(context.Background())
		t.Logf("Check %+v %v", res, err)
		t.Logf("Drifted %v", l.Drifted())
		out, err := l.run(context.Background(), "x", "fmt.Println(aa.F())", l.FS())
		t.Logf("run %q %v", out, err)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("hang")
	}
}

func TestProbeCheckVsSave(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _ := skills.Open(skills.Options{Dir: dir, Run: fastRun})
			for j := 0; j < 10; j++ {
				if i%2 == 0 {
					_, err := st.Check(context.Background())
					if err != nil {
						t.Logf("check: %v", err)
					}
				} else if _, err := st.Save(context.Background(), skills.SaveRequest{Name: "shout", Description: "d", Code: shout}); err != nil {
					t.Logf("save: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	st, _ := skills.Open(skills.Options{Dir: dir})
	sk, err := st.Get("shout")
	t.Logf("%v v%d prev %d checked %v broken %q", err, sk.Version, len(sk.Previous), sk.Checked, sk.Broken)
}
