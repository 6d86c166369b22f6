// The comparison for `nodepulse-bench parse`: the plan's library,
// prometheus/common expfmt (Debian's golang-github-prometheus-common-dev),
// parsing the same file in a loop on one core. Built by scripts/bench-parser.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/common/expfmt"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: expfmt_parse FILE [SECONDS]")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	seconds := 10.0
	if len(os.Args) > 2 {
		seconds, _ = strconv.ParseFloat(os.Args[2], 64)
	}
	// Samples as nodepulse counts them: one per sample line.
	samples := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) > 0 && line[0] != '#' {
			samples++
		}
	}
	var parser expfmt.TextParser
	if _, err := parser.TextToMetricFamilies(bytes.NewReader(data)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Five timed runs sharing the time, as nodepulse-bench does; the median
	// is the figure.
	const runs = 5
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rates := make([]float64, 0, runs)
	iterations := 0
	for run := 0; run < runs; run++ {
		n := 0
		start := time.Now()
		deadline := start.Add(time.Duration(seconds / runs * float64(time.Second)))
		for time.Now().Before(deadline) {
			var p expfmt.TextParser
			if _, err := p.TextToMetricFamilies(bytes.NewReader(data)); err != nil {
				panic(err)
			}
			n++
		}
		rates = append(rates, float64(samples)*float64(n)/time.Since(start).Seconds())
		iterations += n
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	sort.Float64s(rates)
	median := rates[len(rates)/2]
	total := float64(samples) * float64(iterations)
	fmt.Printf("file:            %s (%d bytes, %d samples)\n", os.Args[1], len(data), samples)
	fmt.Printf("runs:            %d x %.1f s, %d parses (GOMAXPROCS=%d)\n", runs, seconds/runs, iterations, runtime.GOMAXPROCS(0))
	fmt.Printf("samples/s:       %.2f M median (min %.2f M, max %.2f M)\n", median/1e6, rates[0]/1e6, rates[len(rates)-1]/1e6)
	fmt.Printf("MB/s:            %.1f median\n", median/float64(samples)*float64(len(data))/1e6)
	fmt.Printf("ns/sample:       %.1f median\n", 1e9/median)
	fmt.Printf("allocs/sample:   %.2f\n", float64(after.Mallocs-before.Mallocs)/total)
}
