"""Drives an OpenAI-compatible server with the official OpenAI Python SDK and checks that the SDK
parses every response and error. Usage: openai_sdk_check.py BASE_URL API_KEY
Prints one line per check and exits non-zero if any failed."""
import sys

import openai

base_url, api_key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=30)
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f": {detail}" if detail and not condition else ""))
    if not condition:
        failures.append(name)


models = client.models.list()
model = models.data[0].id
check("models.list", len(models.data) >= 1 and model)

completion = client.completions.create(model=model, prompt="인공지능을 설명해주세요", max_tokens=8, temperature=0)
check("completions", completion.choices[0].text != "" and completion.usage.completion_tokens == 8,
      repr(completion))
check("completions finish_reason", completion.choices[0].finish_reason == "length")

text, usage, chunks = "", None, 0
for chunk in client.completions.create(model=model, prompt="Hello", max_tokens=6, stream=True,
                                       stream_options={"include_usage": True}):
    if chunk.choices:
        text += chunk.choices[0].text
        chunks += 1
    if chunk.usage:
        usage = chunk.usage
check("completions stream", chunks == 6 and usage is not None and usage.completion_tokens == 6 and text,
      f"{chunks} {usage}")

chat = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "안녕하세요"}], max_tokens=5)
check("chat", chat.choices[0].message.role == "assistant" and chat.choices[0].message.content
      and chat.usage.completion_tokens == 5, repr(chat))

content, usage, roles = "", None, []
for chunk in client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}], max_tokens=7,
                                            stream=True, stream_options={"include_usage": True}):
    if chunk.choices:
        delta = chunk.choices[0].delta
        content += delta.content or ""
        if delta.role:
            roles.append(delta.role)
    if chunk.usage:
        usage = chunk.usage
check("chat stream", roles == ["assistant"] and content and usage and usage.completion_tokens == 7, f"{roles} {usage}")


def expect_error(name, cls, status, call):
    try:
        call()
        check(name, False, "no error raised")
    except cls as error:
        check(name, error.status_code == status and isinstance(error.body, dict) and error.body.get("message"),
              f"{error.status_code} {error.body}")
    except Exception as error:  # noqa: BLE001
        check(name, False, f"{type(error).__name__}: {error}")


expect_error("400 max_tokens", openai.BadRequestError, 400,
             lambda: client.completions.create(model=model, prompt="x", max_tokens=0))
expect_error("400 temperature", openai.BadRequestError, 400,
             lambda: client.chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}],
                                                    temperature=5))
expect_error("404 model", openai.NotFoundError, 404,
             lambda: client.completions.create(model="no-such-model", prompt="x"))
expect_error("429", openai.RateLimitError, 429,
             lambda: client.completions.create(model=model, prompt="x", extra_headers={"X-Sim-Fault": "429"}))
expect_error("500", openai.InternalServerError, 500,
             lambda: client.completions.create(model=model, prompt="x", extra_body={"sim_fault": "500"}))
expect_error("503", openai.InternalServerError, 503,
             lambda: client.completions.create(model=model, prompt="x", extra_body={"sim_fault": "503"}))
bad_key = openai.OpenAI(base_url=base_url, api_key="wrong-key", max_retries=0)
expect_error("401", openai.AuthenticationError, 401, lambda: bad_key.models.list())

try:
    for _ in client.completions.create(model=model, prompt="x", stream=True, extra_body={"sim_fault": "drop"}):
        pass
    check("dropped stream raises", False, "no error")
except Exception as error:  # noqa: BLE001
    check("dropped stream raises", isinstance(error, (openai.APIError, Exception)))

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
