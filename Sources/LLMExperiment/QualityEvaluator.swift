public import LLMClientKit

/// Adds the quality measures to each successful result of a batch: its prompt's expectations
/// (with those given for every prompt) and the judge's score. Meant as ``ExperimentRunner``'s
/// `evaluate` hook.
public struct QualityEvaluator: Sendable {
    /// The expectations of each prompt of the plan, in the plan's order.
    private let expectations: [ResponseExpectations]
    private let plan: ExperimentPlan
    private let judge: ResponseJudge?

    /// - Parameters:
    ///   - plan: the batch, whose prompts carry their own expectations.
    ///   - common: expectations for every prompt (the `--expect-*` options); a prompt's own
    ///     `expect_equals` wins over the common one, the other kinds add up.
    ///   - judge: the judge that scores each answer, or nil.
    public init(plan: ExperimentPlan, common: ResponseExpectations = .init(), judge: ResponseJudge? = nil) {
        expectations = plan.prompts.map { common.combined(with: $0.expectations) }
        self.plan = plan
        self.judge = judge
    }

    /// True when there is something to evaluate.
    public var isActive: Bool { judge != nil || expectations.contains { !$0.isEmpty } }

    /// `result` with its assertion outcome and the judge's verdict; a failed request is returned
    /// as it is. The request's number tells its prompt (``ExperimentPlan/promptPosition(ofRequest:)``).
    public func evaluate(_ result: RequestResult) async -> RequestResult {
        guard result.success, !expectations.isEmpty else { return result }
        var evaluated = result
        let expected = expectations[plan.promptPosition(ofRequest: result.index)]
        if !expected.isEmpty {
            let failures = expected.failures(of: result.output)
            evaluated.assertionsPassed = failures.isEmpty
            evaluated.assertionFailures = failures
        }
        if let judge { evaluated = await judge.judge(evaluated) }
        return evaluated
    }
}
