words := strings.Fields("the quick brown fox jumps over the lazy dog the end")
counts := map[string]int{}
for _, w := range words {
	counts[w]++
}
keys := make([]string, 0, len(counts))
for k := range counts {
	keys = append(keys, k)
}
sort.Slice(keys, func(i, j int) bool {
	if counts[keys[i]] != counts[keys[j]] {
		return counts[keys[i]] > counts[keys[j]]
	}
	return keys[i] < keys[j]
})
var b strings.Builder
for _, k := range keys[:3] {
	fmt.Fprintf(&b, "%s=%d ", k, counts[k])
}
fmt.Println(strings.TrimSpace(b.String()))
n, _ := strconv.Atoi("42")
fmt.Println(n+1, strconv.Quote("q"), math.Sqrt(16))
sum := sha256.Sum256([]byte("abc"))
fmt.Println(hex.EncodeToString(sum[:4]), base64.StdEncoding.EncodeToString([]byte("hi")))
re := regexp.MustCompile(`(\w+)@(\w+)\.com`)
fmt.Println(re.FindStringSubmatch("mail bob@example.com now")[1:])
u, _ := url.Parse("https://example.com/a?b=c")
fmt.Println(u.Host, u.Query().Get("b"), path.Base(u.Path))
fmt.Println(slices.Contains(words, "fox"), slices.Index(words, "quick"))
fmt.Println((90 * time.Minute).String())
// Output:
// the=3 brown=1 dog=1
// 43 "q" 4
// ba7816bf aGk=
// [bob example]
// example.com c a
// true 1
// 1h30m0s
