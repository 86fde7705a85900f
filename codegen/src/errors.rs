//! `src/js/errors.js` and the error part of `src/js/types.d.ts`: one class
//! per API error type (name, status, description), from [`ApiErrorType`].

use botpress_chat::ApiErrorType;

/// A JS string literal.
fn js_string(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The API error classes of `src/js/errors.js`.
pub fn error_classes() -> String {
    let mut out = String::new();
    for t in ApiErrorType::ALL {
        let (name, code, description) = (t.name(), t.code(), js_string(t.description()));
        out.push_str(&format!("export const {name}Error = apiErrorClass('{name}', {code}, {description});\n"));
    }
    out
}

/// The API error classes' declarations in `src/js/types.d.ts`.
pub fn error_declarations() -> String {
    let mut out = String::new();
    for t in ApiErrorType::ALL {
        let (name, code) = (t.name(), t.code());
        // UnknownError is also the base of the client-side failures (NetworkError, …).
        let ty = match t {
            ApiErrorType::Unknown => "'Unknown' | 'Network' | 'Timeout' | 'Aborted' | 'Decode'".to_string(),
            _ => format!("'{name}'"),
        };
        out.push_str(&format!("/** {} */\n", t.description()));
        out.push_str(&format!(
            "export declare class {name}Error extends BaseApiError<{code}, {ty}> {{ constructor(...args: ApiErrorArgs) }}\n"
        ));
    }
    let all: Vec<String> = ApiErrorType::ALL.iter().map(|t| format!("{}Error", t.name())).collect();
    out.push_str(&format!("/** Any API error. */\nexport type ApiError = {};\n", all.join(" | ")));
    out
}
