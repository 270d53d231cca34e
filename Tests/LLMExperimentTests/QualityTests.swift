import Foundation
import LLMClientKit
import LLMExperiment
import LLMResults
import Testing

/// Expectations, consistency, the judge's verdict parsing and the quality summary.
@Suite struct QualityTests {
    private func result(_ index: Int, _ output: String, prompt: String = "p", setting: String? = nil, success: Bool = true) -> RequestResult {
        var result = RequestResult(
            request: GenerationRequest(index: index, prompt: .text(prompt), setting: setting), model: "m",
            startedAt: Timestamp(parsing: "2026-11-25T10:00:00.000Z")!)
        result.output = output
        result.success = success
        return result
    }

    @Test func expectationsReportEachFailure() {
        let expected = ResponseExpectations(contains: ["서울", "capital"], regexes: [#"(?i)^THE"#, #"\d{4}"#], equals: nil, json: false)
        #expect(expected.failures(of: "The capital is 서울 since 1394.").isEmpty)
        #expect(
            expected.failures(of: "the capital is Busan") == [
                "does not contain \"서울\"", "does not match /\\d{4}/",
            ])
        let exact = ResponseExpectations(equals: "  42\n")
        #expect(exact.failures(of: "42 \n").isEmpty, "white space around both is ignored")
        #expect(exact.failures(of: "43") == ["is not equal to \"42\""])
        #expect(ResponseExpectations().isEmpty && !exact.isEmpty)
    }

    @Test func jsonExpectationAcceptsAFencedBlock() {
        let json = ResponseExpectations(json: true)
        #expect(json.failures(of: #" {"a": [1, 2], "이름": "값"} "#).isEmpty)
        #expect(json.failures(of: "Here it is:\n```json\n{\"a\": 1}\n```\nDone.").isEmpty)
        #expect(json.failures(of: "42").isEmpty, "a JSON scalar is JSON")
        let failures = json.failures(of: "{\"a\": 1")
        #expect(failures.count == 1 && failures[0].hasPrefix("is not valid JSON ("), "\(failures)")
        #expect(json.failures(of: "") == ["is not valid JSON (the output is empty)"])
        #expect(json.failures(of: #"{"a": [1, 2,], "b": "x,]"}"#) == ["is not valid JSON (a comma before a closing bracket at character 11)"])
        #expect(json.failures(of: #"{"a": "x,]", "b": [1, 2]}"#).isEmpty, "commas inside strings are text")
        #expect(
            json.failures(of: "Here:\n```json\n{\"a\": 1,}\n```") == ["is not valid JSON (a comma before a closing bracket at character 7)"],
            "the fenced block's problem, not the whole answer's")
    }

    @Test func commonAndPromptExpectationsCombine() {
        let common = ResponseExpectations(contains: ["a"], regexes: ["x"], equals: "common", json: false)
        let own = ResponseExpectations(contains: ["a", "b"], equals: "own", json: true)
        let combined = common.combined(with: own)
        #expect(combined == ResponseExpectations(contains: ["a", "b"], regexes: ["x"], equals: "own", json: true))
        #expect(common.combined(with: .init()).equals == "common")
        #expect(ResponseExpectations.problem(withPattern: "(") != nil && ResponseExpectations.problem(withPattern: "a+") == nil)
    }

    @Test func trigramSimilarityWorksForKoreanWithoutATokenizer() {
        #expect(TextSimilarity.similarity("인공지능은 데이터로 학습합니다", "인공지능은  데이터로\n학습합니다") == 1, "white space collapsed")
        #expect(TextSimilarity.similarity("가나다라", "마바사아") == 0)
        // 가나다라마 has 가나다, 나다라, 다라마; 가나다라바 has 가나다, 나다라, 다라바: 2 common of 4.
        #expect(TextSimilarity.similarity("가나다라마", "가나다라바") == 0.5)
        #expect(TextSimilarity.similarity("", "") == 1 && TextSimilarity.similarity("ab", "ab") == 1 && TextSimilarity.similarity("ab", "abc") == 0)
    }

    @Test func consistencyCountsIdenticalAndDistinctAnswersAndPairwiseSimilarity() throws {
        let outputs = ["가나다라마", "가나다라마", "가나다라마", "가나다라바"]
        let entry = PromptConsistency(setting: nil, promptID: "q1", prompt: "p", outputs: outputs)
        #expect(entry.answers == 4 && entry.distinctOutputs == 2)
        #expect(entry.identicalShare == 0.75)
        // Brute force over the 6 pairs: 3 equal pairs (1 each) and 3 pairs at 0.5.
        var sum = 0.0
        for i in outputs.indices { for j in outputs.indices where j > i { sum += TextSimilarity.similarity(outputs[i], outputs[j]) } }
        #expect(abs(entry.meanSimilarity - sum / 6) < 1e-12 && abs(entry.meanSimilarity - 0.75) < 1e-12)

        let results =
            outputs.enumerated().map { result($0.offset, $0.element, prompt: "p") }
            + [
                result(10, "x", prompt: "alone"), result(11, "y", prompt: "p", setting: "temperature=1.0"),
                result(12, "z", prompt: "p", setting: "temperature=1.0"),
            ]
            + [result(13, "failed answers are left out", prompt: "p", success: false)]
        let summary = try #require(ResultSummary(results: results, durationSeconds: 1).quality?.consistency)
        #expect(summary.prompts == 2, "the prompt sent once has no consistency; a setting is its own prompt")
        #expect(summary.perPrompt.map(\.setting) == [nil, "temperature=1.0"])
        #expect(summary.perPrompt[0].answers == 4, "the failed request is not an answer")
        #expect(summary.perPrompt[1].identicalShare == 0.5 && summary.perPrompt[1].meanSimilarity == 0)
        #expect(summary.identicalShare == (0.75 + 0.5) / 2 && summary.distinctOutputs == 2)
    }

    @Test func repeatsAreTheSamePromptWithTheSameParameters() throws {
        var first = result(0, "a", prompt: "Continue.")
        first.messages = [
            .init(role: "user", content: "Tell me about Seoul."), .init(role: "assistant", content: "…"), .init(role: "user", content: "Continue."),
        ]
        var second = result(1, "b", prompt: "Continue.")
        second.messages = [
            .init(role: "user", content: "Tell me about Busan."), .init(role: "assistant", content: "…"), .init(role: "user", content: "Continue."),
        ]
        #expect(ResultSummary(results: [first, second], durationSeconds: 1).quality == nil, "two conversations that end alike are two prompts")
        let cold = (0..<2).map { index -> RequestResult in
            var repeat_ = result(index, "same", prompt: "Explain AI")
            repeat_.temperature = 0
            return repeat_
        }
        let hot = (2..<4).map { index -> RequestResult in
            var repeat_ = result(index, "other \(index)", prompt: "Explain AI")
            repeat_.temperature = 1.5
            return repeat_
        }
        let consistency = try #require(ResultSummary(results: cold + hot, durationSeconds: 1).quality?.consistency)
        #expect(consistency.perPrompt.map(\.identicalShare) == [1, 0.5], "a prompt's own temperature makes it another prompt")
    }

    @Test func qualityIsAbsentWhenThereIsNothingToSay() {
        #expect(ResultSummary(results: [result(0, "a"), result(1, "b", prompt: "other")], durationSeconds: 1).quality == nil)
    }

    @Test func assertionAndJudgeFiguresAreSummarised() throws {
        var results = (0..<4).map { result($0, "answer \($0)", prompt: "prompt \($0)") }
        results[0].assertionsPassed = true
        results[1].assertionsPassed = false
        results[2].assertionsPassed = true
        results[0].judgeScore = 8
        results[1].judgeScore = 3
        results[2].judgeError = "no score"
        let quality = try #require(ResultSummary(results: results, durationSeconds: 1).quality)
        #expect(quality.assertionsChecked == 3 && quality.assertionsPassed == 2 && quality.assertionPassRate == 2.0 / 3)
        #expect(quality.judged == 2 && quality.judgeMeanScore == 5.5 && quality.judgeMinScore == 3 && quality.judgeMaxScore == 8)
        #expect(quality.judgeErrors == 1 && quality.consistency == nil)

        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(quality)) as? [String: Any]
        #expect(encoded?["assertion_pass_rate"] != nil && encoded?["judge_mean_score"] as? Double == 5.5)
    }

    @Test func judgeVerdictsAreReadLeniently() {
        #expect(JudgeVerdict.parse(#"{"score": 8, "reason": "정확하고 완결된 답변"}"#) == JudgeVerdict(score: 8, reason: "정확하고 완결된 답변"))
        #expect(JudgeVerdict.parse("Sure!\n```json\n{\"score\": \"7\", \"reason\": \"mostly right\"}\n```")?.score == 7)
        #expect(JudgeVerdict.parse(#"평가: {"점수": 6, "이유": "일부 누락"}"#) == JudgeVerdict(score: 6, reason: "일부 누락"))
        #expect(JudgeVerdict.parse(#"{"note": 1} then {"score": 9, "reason": "r"}"#)?.score == 9, "the first object with a score")
        #expect(JudgeVerdict.parse("Score: 4. The answer misses the point.")?.score == 4)
        #expect(JudgeVerdict.parse("I would give it 9/10 overall.")?.score == 9)
        #expect(JudgeVerdict.parse("I'd rate it 7 out of 10")?.score == 7)
        #expect(JudgeVerdict.parse("점수는 8점입니다. 정확합니다.")?.score == 8)
        #expect(JudgeVerdict.parse("The score is 9.")?.score == 9)
        #expect(JudgeVerdict.parse(#"{"score": 11, "reason": "too high"}"#) == nil)
        #expect(JudgeVerdict.parse(#"{"score": 0}"#) == nil)
        #expect(JudgeVerdict.parse("The answer is good.") == nil)
        #expect(JudgeVerdict.parse("{ broken json") == nil)
    }

    @Test func theJudgeSpeaksThePromptsLanguage() async throws {
        try await LLMClient.withClient(.init(baseURL: "http://127.0.0.1:9/v1")) { client in
            let judge = { (language: JudgeLanguage, rubric: String?) in
                ResponseJudge(client: client, model: "judge", rubric: rubric, language: language)
            }
            let korean = judge(.auto, nil).messages(question: "광합성이란?", answer: "빛으로 양분을 만드는 과정")
            #expect(korean[0].content.contains("1점에서 10점") && korean[1].content.contains("[질문]\n광합성이란?"))
            #expect(korean[1].content.contains("빛으로 양분을 만드는 과정"))
            let english = judge(.auto, nil).messages(question: "What is photosynthesis?", answer: "a")
            #expect(english[0].content.contains("from 1 to 10") && english[1].content.hasPrefix("[Question]"))
            #expect(judge(.en, nil).messages(question: "광합성이란?", answer: "a")[0].content.contains("from 1 to 10"))
            let custom = judge(.auto, "Only factual accuracy counts.").messages(question: "q", answer: "a")
            #expect(custom[0].content.contains("Only factual accuracy counts.") && !custom[0].content.contains("completeness"))
        }
    }

    @Test func promptFilesCarryExpectations() throws {
        let jsonl = """
            {"id": "a", "prompt": "Say hi", "expect_contains": ["hi", "there"], "expect_regex": "(?i)HI"}
            {"id": "b", "prompt": "JSON please", "expect_json": true, "expect_equals": "{}"}
            """
        let entries = try PromptFile.parse(Array(jsonl.utf8), format: .jsonl, path: "p.jsonl")
        #expect(entries[0].expectations == ResponseExpectations(contains: ["hi", "there"], regexes: ["(?i)HI"]))
        #expect(entries[1].expectations == ResponseExpectations(equals: "{}", json: true))

        let csv = "prompt,expect_contains,expect_regex,expect_json\r\n서울은?,수도,\\d+,yes\r\nplain,,,\r\n"
        let rows = try PromptFile.parse(Array(csv.utf8), format: .csv, path: "p.csv")
        #expect(rows[0].expectations == ResponseExpectations(contains: ["수도"], regexes: ["\\d+"], json: true))
        #expect(rows[1].expectations.isEmpty)
        let extra = try PromptFile.parse(Array("prompt,category,mode\r\n서울은?,geo,x\r\n".utf8), format: .csv, path: "p.csv")
        #expect(extra.count == 1, "a dataset's own columns are ignored")

        for (text, format, message) in [
            (
                #"{"prompt": "p", "expect_regex": "("}"#, PromptFileFormat.jsonl,
                "p.jsonl:1: \"expect_regex\": \"(\" is not a valid regular expression"
            ),
            (#"{"prompt": "p", "expect_json": "yes"}"#, .jsonl, "p.jsonl:1: \"expect_json\" must be true or false, found string"),
            (#"{"prompt": "p", "expect_contains": [1]}"#, .jsonl, "p.jsonl:1: \"expect_contains\" must be a string or an array of strings"),
            ("prompt,expect_json\np,maybe\n", .csv, "p.csv:2: column \"expect_json\": \"maybe\" is not true or false"),
            (
                #"{"prompt": "p", "expect_contains": ["a", 3]}"#, .jsonl,
                "p.jsonl:1: \"expect_contains\" must be a string or an array of strings; element 2 is number"
            ),
            (#"{"prompt": "p", "expect_contains": ""}"#, .jsonl, "p.jsonl:1: \"expect_contains\" has an empty text"),
            (#"{"prompt": "p", "expect_equals": ""}"#, .jsonl, "p.jsonl:1: \"expect_equals\" is empty"),
            ("id,prompt,expect_contain\n1,p,x\n", .csv, "p.csv:1: unknown column \"expect_contain\" (did you mean \"expect_contains\"?"),
            ("prompt,temprature\np,0.5\n", .csv, "p.csv:1: unknown column \"temprature\" (did you mean \"temperature\"?"),
            ("prompt,expect_contains,expect_contains\np,a,b\n", .csv, "p.csv:1: the column \"expect_contains\" appears twice"),
        ] {
            do {
                _ = try PromptFile.parse(Array(text.utf8), format: format, path: "p.\(format.rawValue)")
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.hasPrefix(message), "\(error.description)")
            }
        }
    }

    @Test func theEvaluatorChecksEachResultAgainstItsOwnPrompt() {
        let prompts = [
            PromptEntry(id: "a", prompt: .text("first"), parameters: .init(), line: 1, expectations: .init(contains: ["yes"])),
            PromptEntry(id: "b", prompt: .text("second"), parameters: .init(), line: 2),
        ]
        let evaluator = QualityEvaluator(plan: ExperimentPlan(prompts: prompts), common: .init(regexes: ["^\\w"]))
        #expect(evaluator.isActive && !QualityEvaluator(plan: ExperimentPlan(prompts: [prompts[1]])).isActive)
        // Requests go prompt by prompt, round by round: index 2 is the first prompt again.
        let first = evaluator.check(result(2, "yes indeed"))
        #expect(first.assertionsPassed == true && first.assertionFailures == [])
        let second = evaluator.check(result(3, " no"))
        #expect(second.assertionsPassed == false && second.assertionFailures == ["does not match /^\\w/"])
        let failed = evaluator.check(result(0, "", success: false))
        #expect(failed.assertionsPassed == nil, "a failed request is not checked")

        // With two settings each prompt is sent twice in a row: requests 2 and 3 are the second prompt.
        let settings = [ExperimentSetting(temperature: 0.1), ExperimentSetting(temperature: 0.9)]
        let comparison = QualityEvaluator(plan: ExperimentPlan(prompts: prompts, repeatCount: 2, settings: settings))
        let plan = ExperimentPlan(prompts: prompts, repeatCount: 2, settings: settings)
        #expect((0..<8).map(plan.promptPosition(ofRequest:)) == [0, 0, 1, 1, 0, 0, 1, 1])
        #expect(plan.requests(model: "m").map(\.setting) == Array(repeating: ["temperature=0.1", "temperature=0.9"], count: 4).flatMap { $0 })
        #expect(comparison.check(result(1, "no")).assertionsPassed == false)
        var stale = result(2, "no")
        stale.assertionsPassed = false
        stale.assertionFailures = ["from an earlier run"]
        #expect(
            comparison.check(stale).assertionsPassed == nil && comparison.check(stale).assertionFailures == nil,
            "the second prompt has no expectations now: earlier outcomes are cleared")
    }

    @Test func theJudgeSeesAWholeConversation() {
        var asked = result(0, "Busan is the second city.", prompt: "And the second?")
        #expect(ResponseJudge.question(of: asked) == "And the second?")
        asked.messages = [
            .init(role: "user", content: "What is the capital of Korea?"), .init(role: "assistant", content: "Seoul."),
            .init(role: "user", content: "And the second?"),
        ]
        #expect(ResponseJudge.question(of: asked) == "user: What is the capital of Korea?\nassistant: Seoul.\nuser: And the second?")
    }

    @Test func qualityFieldsRoundTripAndAppearOnlyWhenEvaluated() throws {
        var evaluated = result(0, "답")
        evaluated.assertionsPassed = false
        evaluated.assertionFailures = ["does not contain \"x\""]
        evaluated.judgeScore = 7
        evaluated.judgeReason = "괜찮음"
        let decoded = try JSONDecoder().decode(RequestResult.self, from: JSONEncoder().encode(evaluated))
        #expect(decoded == evaluated)
        let plain = String(decoding: try JSONEncoder().encode(result(0, "a")), as: UTF8.self)
        #expect(!plain.contains("judge") && !plain.contains("assertion"))
        #expect(ResultWriter.csvColumns.suffix(5) == ["assertions_passed", "assertion_failures", "judge_score", "judge_reason", "judge_error"])
    }
}
