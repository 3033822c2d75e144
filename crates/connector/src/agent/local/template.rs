//! The model's own chat template, rendered with minijinja.
//!
//! A GGUF file stores the Jinja chat template the model was trained with
//! (`tokenizer.chat_template`). llama.cpp's built-in renderer only guesses the format from
//! the template's text, and for SmolLM2 its guess drops the template's default system
//! prompt. Rendering the real template with minijinja gives exactly the trained format.

use minijinja::{Environment, Error, ErrorKind, context};

use crate::agent::prompt::ChatMessage;

/// A compiled chat template plus the special tokens it may refer to.
#[derive(Debug)]
pub struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

impl ChatTemplate {
    /// Compiles `source`; an invalid template is reported with minijinja's explanation.
    pub fn new(source: &str, bos_token: String, eos_token: String) -> Result<ChatTemplate, String> {
        let mut env = Environment::new();
        minijinja_contrib::add_to_environment(&mut env);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |message: String| -> Result<String, Error> {
                Err(Error::new(ErrorKind::InvalidOperation, message))
            },
        );
        env.add_template_owned("chat", source.to_owned())
            .map_err(|e| format!("the model's chat template does not compile: {e:#}"))?;
        Ok(ChatTemplate {
            env,
            bos_token,
            eos_token,
        })
    }

    /// The prompt for `messages`, ending where the assistant's reply begins.
    pub fn render(&self, messages: &[ChatMessage]) -> Result<String, String> {
        let template = self
            .env
            .get_template("chat")
            .map_err(|e| format!("chat template: {e:#}"))?;
        template
            .render(context! {
                messages => messages,
                add_generation_prompt => true,
                bos_token => &self.bos_token,
                eos_token => &self.eos_token,
            })
            .map_err(|e| format!("rendering the model's chat template failed: {e:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SmolLM2-135M-Instruct's template, as stored in its GGUF.
    const SMOLLM2: &str = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    fn message(role: &'static str, content: &str) -> ChatMessage {
        ChatMessage {
            role,
            content: content.into(),
        }
    }

    #[test]
    fn the_default_system_prompt_is_kept() {
        let template = ChatTemplate::new(SMOLLM2, String::new(), "<|im_end|>".into()).unwrap();
        let prompt = template.render(&[message("user", "Hi")]).unwrap();
        assert_eq!(
            prompt,
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn a_configured_system_prompt_replaces_the_default() {
        let template = ChatTemplate::new(SMOLLM2, String::new(), String::new()).unwrap();
        let prompt = template
            .render(&[message("system", "Be brief."), message("user", "Hi")])
            .unwrap();
        assert!(prompt.starts_with("<|im_start|>system\nBe brief.<|im_end|>\n"));
        assert!(!prompt.contains("SmolLM"));
    }

    #[test]
    fn python_string_methods_and_raise_exception_work() {
        let source = "{% if messages[0].role != 'user' %}{{ raise_exception('first must be user') }}{% endif %}{{ messages[0].content.strip() }}";
        let template = ChatTemplate::new(source, String::new(), String::new()).unwrap();
        assert_eq!(template.render(&[message("user", "  x ")]).unwrap(), "x");
        let error = template.render(&[message("system", "s")]).unwrap_err();
        assert!(error.contains("first must be user"), "{error}");
    }

    #[test]
    fn a_broken_template_is_a_clear_error() {
        let error = ChatTemplate::new("{% for %}", String::new(), String::new()).unwrap_err();
        assert!(error.contains("chat template does not compile"), "{error}");
    }
}
