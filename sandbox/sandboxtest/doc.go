// Package sandboxtest holds what every sandbox engine is tested with: a fake tool server, the
// test stub packages, a stub generator for benchmarks, and the conformance corpus runner.
//
// An engine's test calls [RunCorpus] with a started engine:
//
//	func TestCorpus(t *testing.T) {
//		sb, err := process.New(nil)
//		...
//		sandboxtest.RunCorpus(t, sb)
//	}
package sandboxtest
