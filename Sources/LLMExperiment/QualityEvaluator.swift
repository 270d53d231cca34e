public import LLMClientKit
public import LLMResults

/// The quality measures of a batch's answers: each prompt's expectations (with those given for
/// every prompt), checked as each request finishes, and a judge's score. ``ExperimentRunner``
/// applies it.
public struct QualityEvaluator: Sendable {
    /// The expectations of each prompt of the plan, in the plan's order.
    private let expectations: [ResponseExpectations]
    /// The expectations for every prompt.
    private let common: ResponseExpectations
    private let plan: ExperimentPlan
    private let judge: ResponseJudge?
    /// Whether the judge waits for the batch's last request: true when it asks the server being
    /// measured, so that it does not load it while it is measured.
    public let judgeAfterBatch: Bool

    /// - Parameters:
    ///   - plan: the batch, whose prompts carry their own expectations.
    ///   - common: expectations for every prompt (the `--expect-*` options); a prompt's own
    ///     `expect_equals` wins over the common one, the other kinds add up.
    ///   - judge: the judge that scores each answer, or nil.
    ///   - judgeAfterBatch: see ``judgeAfterBatch``.
    public init(plan: ExperimentPlan, common: ResponseExpectations = .init(), judge: ResponseJudge? = nil, judgeAfterBatch: Bool = false) {
        expectations = plan.prompts.map { common.combined(with: $0.expectations) }
        self.common = common
        self.plan = plan
        self.judge = judge
        self.judgeAfterBatch = judgeAfterBatch
    }

    /// True when there is something to evaluate.
    public var isActive: Bool { judges || hasExpectations }

    /// True when some prompt has expectations.
    public var hasExpectations: Bool { expectations.contains { !$0.isEmpty } }

    /// True when a judge scores the answers.
    public var judges: Bool { judge != nil }

    /// Records in `run` what the answers are measured against: the judge (model, server, language,
    /// a replaced rubric) and the expectations for every prompt.
    public func annotate(_ run: inout RunInfo) {
        if let judge {
            run.judgeModel = judge.model
            run.judgeBaseURL = judge.client.configuration.redactedBaseURL
            run.judgeLanguage = judge.language.rawValue
            run.judgeRubric = judge.rubric
        }
        if !common.isEmpty { run.expectations = common.descriptions }
    }

    /// `result` with the outcome of its prompt's expectations (none: the fields cleared); a failed
    /// request is returned as it is. The request's number tells its prompt
    /// (``ExperimentPlan/promptPosition(ofRequest:)``).
    public func check(_ result: RequestResult) -> RequestResult {
        guard result.success, !expectations.isEmpty else { return result }
        var checked = result
        let expected = expectations[plan.promptPosition(ofRequest: result.index)]
        if expected.isEmpty {
            checked.assertionsPassed = nil
            checked.assertionFailures = nil
        } else {
            let failures = expected.failures(of: result.output)
            checked.assertionsPassed = failures.isEmpty
            checked.assertionFailures = failures
        }
        return checked
    }

    /// `result` with the judge's verdict (an earlier score is kept); as it is without a judge or
    /// for a failed request.
    public func judged(_ result: RequestResult) async -> RequestResult {
        guard let judge, result.success, result.judgeScore == nil else { return result }
        var fresh = result
        fresh.judgeError = nil
        fresh.judgeReason = nil
        return await judge.judge(fresh)
    }
}
