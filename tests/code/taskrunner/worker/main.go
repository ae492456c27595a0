package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Worker runs jobs it leases from the coordinator.
type Worker struct {
	ID          string
	LeaseExpiry time.Time
	client      *Client
}

// Heartbeat tells the coordinator that this worker is still alive and working, which pushes
// the expiry of its current lease further into the future.
func (w *Worker) Heartbeat(ctx context.Context, extendBy time.Duration) error {
	if err := w.client.Extend(ctx, w.ID, extendBy); err != nil {
		return err
	}
	w.LeaseExpiry = time.Now().Add(extendBy)
	return nil
}

// gracefulShutdown waits for SIGTERM or SIGINT, then cancels the context so the current job can
// finish and no new one is taken, and gives it up to grace to do so.
func gracefulShutdown(cancel context.CancelFunc, done <-chan struct{}, grace time.Duration) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	log.Println("stopping: finishing the current job")
	cancel()
	select {
	case <-done:
	case <-time.After(grace):
		log.Println("grace period over, exiting")
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go gracefulShutdown(cancel, done, 90*time.Second)
	w := &Worker{ID: os.Getenv("WORKER_ID"), client: NewClient(os.Getenv("COORDINATOR_URL"))}
	w.Run(ctx)
	close(done)
}
