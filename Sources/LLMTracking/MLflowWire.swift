/// The bodies of the MLflow REST calls llm-client makes (MLflow 2.x/3.x `api/2.0/mlflow`).
enum MLflowWire {
    struct KeyValue: Codable, Hashable {
        var key: String
        var value: String
    }

    struct Metric: Codable, Hashable {
        var key: String
        var value: Double
        /// Milliseconds since 1970.
        var timestamp: Int64
        var step: Int
    }

    struct Experiment: Decodable {
        var experimentID: String
        var name: String
        var lifecycleStage: String?

        enum CodingKeys: String, CodingKey {
            case name
            case experimentID = "experiment_id"
            case lifecycleStage = "lifecycle_stage"
        }
    }

    struct GetExperimentResponse: Decodable {
        var experiment: Experiment
    }

    struct CreateExperimentRequest: Encodable {
        var name: String
    }

    struct CreateExperimentResponse: Decodable {
        var experimentID: String

        enum CodingKeys: String, CodingKey {
            case experimentID = "experiment_id"
        }
    }

    struct CreateRunRequest: Encodable {
        var experimentID: String
        var startTime: Int64
        var runName: String
        var tags: [KeyValue]

        enum CodingKeys: String, CodingKey {
            case tags
            case experimentID = "experiment_id"
            case startTime = "start_time"
            case runName = "run_name"
        }
    }

    struct RunInfo: Decodable {
        var runID: String
        var experimentID: String
        var status: String
        var artifactURI: String

        enum CodingKeys: String, CodingKey {
            case status
            case runID = "run_id"
            case experimentID = "experiment_id"
            case artifactURI = "artifact_uri"
        }
    }

    struct Run: Decodable {
        var info: RunInfo
    }

    struct RunResponse: Decodable {
        var run: Run
    }

    struct LogBatchRequest: Encodable {
        var runID: String
        var metrics: [Metric]
        var params: [KeyValue]
        var tags: [KeyValue]

        enum CodingKeys: String, CodingKey {
            case metrics, params, tags
            case runID = "run_id"
        }
    }

    struct UpdateRunRequest: Encodable {
        var runID: String
        var status: String
        var endTime: Int64

        enum CodingKeys: String, CodingKey {
            case status
            case runID = "run_id"
            case endTime = "end_time"
        }
    }

    /// The `{}` of calls that answer nothing.
    struct Empty: Decodable {}
}
