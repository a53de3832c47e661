// SPDX-License-Identifier: Apache-2.0
// The Go reference of scripts/bench-library.sh (make bench-library;
// BENCHMARKS.md): Go's os/exec spawn rate, built by the script with Debian's
// golang-go.
//
//	bench-library-go MODE THREADS COUNT
//	    COUNT runs of /bin/true (cmd.Run: spawn and wait), split over THREADS
//	    goroutines; prints the rate, spawns per second.
//	    MODE: root  SysProcAttr{Cloneflags: CLONE_NEWUSER, UidMappings and
//	                GidMappings {0, caller, 1}}: root inside, the maps written
//	                by the parent while the child waits (Go's own way)
//	          none  no namespace (os/exec as it is: vfork-like clone)
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bench-library-go root|none THREADS COUNT")
		os.Exit(2)
	}
	mode := os.Args[1]
	threads, err1 := strconv.Atoi(os.Args[2])
	count, err2 := strconv.Atoi(os.Args[3])
	if err1 != nil || err2 != nil || threads < 1 || count < threads || (mode != "root" && mode != "none") {
		fmt.Fprintln(os.Stderr, "usage: bench-library-go root|none THREADS COUNT")
		os.Exit(2)
	}
	one := func() error {
		cmd := exec.Command("/bin/true")
		if mode == "root" {
			cmd.SysProcAttr = &syscall.SysProcAttr{
				Cloneflags:  syscall.CLONE_NEWUSER,
				UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}},
				GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}},
			}
		}
		return cmd.Run()
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failure error
	start := time.Now()
	for t := 0; t < threads; t++ {
		n := count / threads
		if t < count%threads {
			n++
		}
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if err := one(); err != nil {
					mu.Lock()
					failure = err
					mu.Unlock()
					return
				}
			}
		}(n)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if failure != nil {
		fmt.Fprintln(os.Stderr, "bench-library-go:", failure)
		os.Exit(1)
	}
	fmt.Println(int(float64(count)/elapsed + 0.5))
}
