import LLMSupport
import Testing

/// The progress bar's text for long batches.
@Suite struct ProgressBarTests {
    @Test func theBarFillsWithTheRequestsDoneAndEstimatesTheRest() {
        let bar = ProgressBar(label: "c=4", total: 40, barWidth: 10)
        #expect(bar.line(done: 10, failed: 0, elapsed: 5) == "[c=4] ██░░░░░░░░ 10/40 · 2.0 req/s · ETA 15s")
        #expect(bar.line(done: 40, failed: 3, elapsed: 20, tokensPerSecond: 512.4) == "[c=4] ██████████ 40/40 · 2.0 req/s · 512 tok/s · 3 errors")
        #expect(bar.line(done: 1, failed: 1, elapsed: 600) == "[c=4] ░░░░░░░░░░ 1/40 · 0.0 req/s · 1 error · ETA 390m00s")
    }

    @Test func aTimedRunShowsItsTimeAndALongLineFitsTheTerminal() {
        let timed = ProgressBar(total: nil, duration: 30, barWidth: 4)
        #expect(timed.line(done: 12, failed: 0, elapsed: 15) == "██░░ 12 · 0.8 req/s · ETA 15s")
        let korean = ProgressBar(label: "온도=0.9 한국어 라벨", total: 100)
        let line = korean.line(done: 50, failed: 0, elapsed: 10, columns: 30)
        #expect(line.displayWidth <= 30 && line.hasSuffix("…"))
    }
}
