package goroutineleak

func nobodySends() {
	done := make(chan struct{})
	go func() { // want `blocks forever: receive from done at line 6 never proceeds`
		<-done
	}()
}

func nobodySendsSuppressed() {
	done := make(chan struct{})
	//leakhound:ignore goroutineleak the process exits right after
	go func() {
		<-done
	}()
}
