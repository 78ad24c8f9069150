package ingest

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// ProgressBar returns a callback for the store's import progress (layer, features done, features
// in total) that draws a progress bar on w when w is a terminal, and nil otherwise, so logs and
// pipes get no escape sequences. The bar clears itself when done reaches total.
func ProgressBar(w io.Writer) func(layer string, done, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	var bar *progressbar.ProgressBar
	return func(layer string, done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetWidth(30),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(50*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		bar.Describe(layer)
		_ = bar.Set(done)
		if done >= total {
			_ = bar.Finish()
		}
	}
}
