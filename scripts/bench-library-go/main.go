// SPDX-License-Identifier: Apache-2.0
// The Go reference of scripts/bench-library.sh (make bench-library;
// BENCHMARKS.md): Go's os/exec spawn rate, built by the script with Debian's
// golang-go.
//
//	bench-library-go MODE THREADS COUNT [GIB]
//	    COUNT runs of /bin/true (cmd.Run: spawn and wait), split over THREADS
//	    goroutines; prints the rate, spawns per second. GIB: the caller first
//	    holds that many GiB in 4 KiB pages (mmap, MADV_NOHUGEPAGE, written).
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

// The memory held, kept reachable for the whole run.
var held []byte

func main() {
	if len(os.Args) != 4 && len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: bench-library-go root|none THREADS COUNT [GIB]")
		os.Exit(2)
	}
	mode := os.Args[1]
	threads, err1 := strconv.Atoi(os.Args[2])
	count, err2 := strconv.Atoi(os.Args[3])
	if err1 != nil || err2 != nil || threads < 1 || count < threads || (mode != "root" && mode != "none") {
		fmt.Fprintln(os.Stderr, "usage: bench-library-go root|none THREADS COUNT [GIB]")
		os.Exit(2)
	}
	if len(os.Args) == 5 {
		gib, err := strconv.Atoi(os.Args[4])
		if err != nil || gib < 0 {
			fmt.Fprintln(os.Stderr, "bench-library-go: GIB must be a number")
			os.Exit(2)
		}
		if gib > 0 {
			mem, err := syscall.Mmap(-1, 0, gib<<30, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench-library-go: mmap:", err)
				os.Exit(3)
			}
			_ = syscall.Madvise(mem, 15) // MADV_NOHUGEPAGE
			for i := 0; i < len(mem); i += 4096 {
				mem[i] = 1
			}
			held = mem
		}
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
