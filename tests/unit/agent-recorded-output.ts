/**
 * Output recorded from the real CLIs (devDependencies) run against tests/fixtures/model-server:
 * an edit that writes hello.txt (usage 1000+1200 input, 50+30 output, 400 cached on the second
 * turn) and a run whose API call answers 500. Re-record by running the CLIs as
 * tests/integration/agent-clis.test.ts does.
 */
export interface RecordedRun {
  stdout: string;
  stderr: string;
  code: number;
}

export const RECORDED: Record<string, RecordedRun> = {
  claude_edit: {
    stdout:
      '{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"duration_ms":463,"duration_api_ms":92,"ttft_ms":375,"ttft_stream_ms":372,"time_to_request_ms":339,"num_turns":2,"result":"Wrote hello.txt.","stop_reason":"end_turn","session_id":"1a331065-8775-43f4-8a87-dd92e5b1aa0b","total_cost_usd":0.0132,"usage":{"input_tokens":2200,"cache_creation_input_tokens":0,"cache_read_input_tokens":400,"output_tokens":80,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":"","iterations":[],"speed":"standard"},"modelUsage":{"claude-opus-4-8[1m]":{"inputTokens":2200,"outputTokens":80,"cacheReadInputTokens":400,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.0132,"contextWindow":1000000,"maxOutputTokens":64000}},"permission_denials":[],"terminal_reason":"completed","fast_mode_state":"off","uuid":"a0b672dd-b05a-47fd-b9d3-fdaba791ad04"}\n',
    stderr: '',
    code: 0,
  },
  claude_fail: {
    stdout:
      '{"type":"result","subtype":"success","is_error":true,"api_error_status":500,"duration_ms":192,"duration_api_ms":0,"num_turns":1,"result":"API Error: 500 boom from server. This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (127.0.0.1:45105).","stop_reason":"stop_sequence","session_id":"4736488b-1d8e-4495-8c8f-3a11e0d57544","total_cost_usd":0,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":"","iterations":[],"speed":"standard"},"modelUsage":{},"permission_denials":[],"terminal_reason":"completed","fast_mode_state":"off","uuid":"f3256cf1-396c-4224-9a5a-0edcdd383c25"}\n',
    stderr: '',
    code: 1,
  },
  codex_edit: {
    stdout:
      '{"type":"thread.started","thread_id":"01a20aeb-5704-79a3-8855-3d65cbb6a6e6"}\n{"type":"turn.started"}\n{"type":"item.started","item":{"id":"item_0","type":"command_execution","command":"/bin/bash -lc \\"printf \'%s\' \'hi\\n\' > \'hello.txt\'\\"","aggregated_output":"","exit_code":null,"status":"in_progress"}}\n{"type":"item.completed","item":{"id":"item_0","type":"command_execution","command":"/bin/bash -lc \\"printf \'%s\' \'hi\\n\' > \'hello.txt\'\\"","aggregated_output":"","exit_code":0,"status":"completed"}}\n{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Wrote hello.txt."}}\n{"type":"turn.completed","usage":{"input_tokens":2200,"cached_input_tokens":400,"cache_write_input_tokens":0,"output_tokens":80,"reasoning_output_tokens":0}}\n',
    stderr: 'Reading additional input from stdin...\n',
    code: 0,
  },
  codex_fail: {
    stdout:
      '{"type":"thread.started","thread_id":"01a20aeb-715b-7cd1-81eb-23cb23be1872"}\n{"type":"turn.started"}\n{"type":"error","message":"We’re currently experiencing high demand, which may cause temporary errors."}\n{"type":"turn.failed","error":{"message":"We’re currently experiencing high demand, which may cause temporary errors."}}\n',
    stderr: 'Reading additional input from stdin...\n',
    code: 1,
  },
  gemini_edit: {
    stdout:
      '{\n  "session_id": "4e7e3aa8-1edc-494f-b841-dc2686f9fc7c",\n  "response": "Wrote hello.txt.",\n  "stats": {\n    "models": {\n      "gemini-3.5-flash-lite": {\n        "api": {\n          "totalRequests": 1,\n          "totalErrors": 0,\n          "totalLatencyMs": 77,\n          "errorsByType": {}\n        },\n        "tokens": {\n          "input": 100,\n          "prompt": 100,\n          "candidates": 10,\n          "total": 110,\n          "cached": 0,\n          "thoughts": 0,\n          "tool": 0\n        },\n        "roles": {\n          "utility_router": {\n            "totalRequests": 1,\n            "totalErrors": 0,\n            "totalLatencyMs": 77,\n            "tokens": {\n              "input": 100,\n              "prompt": 100,\n              "candidates": 10,\n              "total": 110,\n              "cached": 0,\n              "thoughts": 0,\n              "tool": 0\n            }\n          }\n        }\n      },\n      "gemini-3.8-flash": {\n        "api": {\n          "totalRequests": 2,\n          "totalErrors": 0,\n          "totalLatencyMs": 246,\n          "errorsByType": {}\n        },\n        "tokens": {\n          "input": 1800,\n          "prompt": 2200,\n          "candidates": 80,\n          "total": 2280,\n          "cached": 400,\n          "thoughts": 0,\n          "tool": 0\n        },\n        "roles": {\n          "main": {\n            "totalRequests": 2,\n            "totalErrors": 0,\n            "totalLatencyMs": 246,\n            "tokens": {\n              "input": 1800,\n              "prompt": 2200,\n              "candidates": 80,\n              "total": 2280,\n              "cached": 400,\n              "thoughts": 0,\n              "tool": 0\n            }\n          }\n        }\n      }\n    },\n    "tools": {\n      "totalCalls": 1,\n      "totalSuccess": 1,\n      "totalFail": 0,\n      "totalDurationMs": 305,\n      "totalDecisions": {\n        "accept": 1,\n        "reject": 0,\n        "modify": 0,\n        "auto_accept": 0\n      },\n      "byName": {\n        "write_file": {\n          "count": 1,\n          "success": 1,\n          "fail": 0,\n          "durationMs": 305,\n          "decisions": {\n            "accept": 1,\n            "reject": 0,\n            "modify": 0,\n            "auto_accept": 0\n          }\n        }\n      }\n    },\n    "files": {\n      "totalLinesAdded": 1,\n      "totalLinesRemoved": 0\n    }\n  }\n}',
    stderr:
      'Warning: 256-color support not detected. Using a terminal with at least 256-color support is recommended for a better visual experience.\nYOLO mode is enabled. All tool calls will be automatically approved.\nYOLO mode is enabled. All tool calls will be automatically approved.\nRipgrep is not available. Falling back to GrepTool.\n',
    code: 0,
  },
  gemini_fail: {
    stdout: '',
    stderr:
      'Warning: 256-color support not detected. Using a terminal with at least 256-color support is recommended for a better visual experience.\nYOLO mode is enabled. All tool calls will be automatically approved.\nYOLO mode is enabled. All tool calls will be automatically approved.\nRipgrep is not available. Falling back to GrepTool.\nAttempt 1 failed: {"error":{"code":500,"message":"boom from server","status":"INTERNAL"}}. Max attempts reached\nError when talking to Gemini API Full report available at: /tmp/dump-yO2GD2/home/tmp/gemini-client-error-Turn.run-sendMessageStream-2026-11-24T00-18-54-472Z.json _ApiError: {"error":{"code":500,"message":"boom from server","status":"INTERNAL"}}\n    at throwErrorIfNotOK (file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:267833:24)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n    at async file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:267596:7\n    at async Models.generateContentStream (file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:268692:16)\n    at async file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:311457:19\n    at async file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:288018:23\n    at async retryWithBackoff (file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:308039:23)\n    at async GeminiChat.makeApiCallAndProcessStream (file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:332326:28)\n    at async GeminiChat.streamWithRetries (file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:332079:29)\n    at async Turn.run (file:///work/main/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:333001:24) {\n  status: 500\n}\n{\n  "session_id": "5f952b18-6b5a-495a-bdd6-000ec0d17790",\n  "error": {\n    "type": "Error",\n    "message": "{\\"error\\":{\\"code\\":500,\\"message\\":\\"boom from server\\",\\"status\\":\\"INTERNAL\\"}}",\n    "code": 500\n  }\n}\n',
    code: 244,
  },
};
