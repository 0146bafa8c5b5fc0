"""`ChatLlamaCpp`: a LangChain chat model over one in-process llama.cpp model.

The model is loaded once, when the chat model is built. Messages go to
`Llama.create_chat_completion` as they are, formatted by the chat template stored in the
.gguf: nothing is added, because every prompt token costs about 15 ms on a laptop CPU.
A llama.cpp context is not thread-safe, so one lock serialises generations and concurrent
callers wait their turn.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import llama_cpp
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ChatMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from llama_cpp.llama_types import (
    ChatCompletionRequestAssistantMessage,
    ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage,
    CreateChatCompletionResponse,
    CreateChatCompletionStreamResponse,
)
from pydantic import Field, PrivateAttr

from qa.errors import BadInputError, ModelUnavailableError
from qa.llm._kv_cache import CountingLlama
from qa.llm.special_tokens import neutralize

__all__ = ["ChatLlamaCpp", "to_llama_messages"]

_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "ai": "assistant",
    "assistant": "assistant",
}
_CALL_OPTIONS = frozenset({"max_tokens", "temperature", "seed"})


class ChatLlamaCpp(BaseChatModel):
    """A chat model running a .gguf file in this process with llama.cpp.

    Example:
        >>> chat = ChatLlamaCpp(model_path=Path("model.gguf"), max_tokens=64)  # doctest: +SKIP
        >>> chat.invoke("Say hi").usage_metadata  # doctest: +SKIP

    Calls accept `stop`, and `max_tokens`, `temperature` and `seed` overrides. Only one
    generation runs at a time; a stream holds the model until it is exhausted or closed.
    """

    model_path: Path
    # llama.cpp rounds smaller contexts up to 256 but llama-cpp-python would not follow.
    n_ctx: int = Field(default=2048, ge=256)
    n_threads: int = Field(default=2, ge=1)
    max_tokens: int = Field(default=160, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    seed: int = 0

    _llm: CountingLlama = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _specials: tuple[str, ...] = PrivateAttr(default=())

    def model_post_init(self, context: Any, /) -> None:
        """Load the model file (once, for the life of this object)."""
        super().model_post_init(context)
        if not self.model_path.is_file():
            raise ModelUnavailableError(f"no model file at {self.model_path}")
        try:
            self._llm = CountingLlama(
                model_path=str(self.model_path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                seed=self.seed,
                verbose=False,
            )
        except ValueError as exc:  # llama.cpp's "Failed to load model from file"
            raise ModelUnavailableError(
                f"llama.cpp cannot load {self.model_path} ({exc}): is it a complete .gguf file?"
            ) from exc
        self._specials = _special_token_texts(self._llm)

    @property
    def special_tokens(self) -> tuple[str, ...]:
        """The texts of the model's control tokens (`<|im_start|>`, ...), which message text
        never turns into: they are broken up before the chat template is applied."""
        return self._specials

    def render_prompt(self, messages: Sequence[BaseMessage]) -> str:
        """The prompt text the model's chat template makes of `messages` (as sent)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        formatter = Jinja2ChatFormatter(
            template=self._llm.metadata["tokenizer.chat_template"],
            eos_token=self._llm._model.token_get_text(self._llm.token_eos()),
            bos_token=self._llm._model.token_get_text(self._llm.token_bos()),
        )
        return formatter(messages=to_llama_messages(messages, self._specials)).prompt

    def prompt_token_ids(self, prompt: str) -> list[int]:
        """The token ids of a rendered prompt, control tokens read as such (as llama.cpp
        does for the text its chat template makes)."""
        return self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def special_token_ids(self) -> frozenset[int]:
        """The ids of the model's control tokens."""
        return frozenset(
            i for i in range(self._llm.n_vocab()) if self._llm._model.token_get_attr(i) & _SPECIAL
        )

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def model_name(self) -> str:
        """The model's file name."""
        return self.model_path.name

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": str(self.model_path),
            "n_ctx": self.n_ctx,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
        }

    def clear_cache(self) -> None:
        """Forget every evaluated prompt, so the next one is evaluated whole (benchmarks)."""
        with self._lock:
            self._llm.reset()
            self._llm.forget_snapshots()

    def count_tokens(self, text: str) -> int:
        """How many tokens the model's own tokenizer makes of `text` (no BOS added)."""
        return len(self.get_token_ids(text))

    def get_token_ids(self, text: str) -> list[int]:
        """The model's token ids for `text` (LangChain would load a GPT-2 tokenizer)."""
        # Tokenizing reads only the vocabulary, not the context: no lock needed.
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = to_llama_messages(messages, self._specials)
        options = self._options(kwargs)
        with self._lock:
            try:
                response = cast(
                    CreateChatCompletionResponse,
                    self._llm.create_chat_completion(
                        request, stop=stop or [], stream=False, **options
                    ),
                )
            except ValueError as exc:
                _raise_if_too_long(exc, self.n_ctx)
                raise
            cached = self._llm.cached_tokens
        choice = response["choices"][0]
        usage = response["usage"]
        finish_reason = choice["finish_reason"]
        message = AIMessage(
            content=choice["message"]["content"] or "",
            usage_metadata=_usage(usage["prompt_tokens"], usage["completion_tokens"], cached),
            response_metadata={"finish_reason": finish_reason, "model_name": self.model_name},
        )
        return ChatResult(
            generations=[
                ChatGeneration(message=message, generation_info={"finish_reason": finish_reason})
            ]
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = to_llama_messages(messages, self._specials)
        options = self._options(kwargs)
        finish_reason: str | None = None
        with self._lock:
            stream = cast(
                Generator[CreateChatCompletionStreamResponse, None, None],
                self._llm.create_chat_completion(request, stop=stop or [], stream=True, **options),
            )
            try:
                for event in stream:
                    choice = event["choices"][0]
                    finish_reason = choice["finish_reason"] or finish_reason
                    content = choice["delta"].get("content")
                    text = content if isinstance(content, str) else ""
                    if text:
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                        if run_manager is not None:
                            run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
            except ValueError as exc:
                _raise_if_too_long(exc, self.n_ctx)
                raise
            finally:
                stream.close()
            llm = self._llm
            usage = _usage(llm.prompt_tokens, llm.completion_tokens, llm.cached_tokens)
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=usage,
                response_metadata={"finish_reason": finish_reason, "model_name": self.model_name},
                chunk_position="last",
            ),
            generation_info={"finish_reason": finish_reason},
        )

    def _options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(kwargs) - _CALL_OPTIONS
        if unknown:
            raise TypeError(f"ChatLlamaCpp does not accept {', '.join(sorted(unknown))}")
        return {
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
            "seed": kwargs.get("seed", self.seed),
        }


def to_llama_messages(
    messages: Sequence[BaseMessage], specials: Sequence[str] = ()
) -> list[ChatCompletionRequestMessage]:
    """LangChain messages as llama.cpp chat messages (system, user and assistant only), their
    text with control tokens broken up (`specials` and the common forms; see `neutralize`).

    Raises:
        BadInputError: a message of another kind (tool, function, unknown role).
    """
    out: list[ChatCompletionRequestMessage] = []
    for message in messages:
        kind = message.role if isinstance(message, ChatMessage) else message.type
        role = _ROLES.get(kind)
        text = neutralize(message.text, specials)
        if role == "system":
            out.append(ChatCompletionRequestSystemMessage(role="system", content=text))
        elif role == "user":
            out.append(ChatCompletionRequestUserMessage(role="user", content=text))
        elif role == "assistant":
            out.append(ChatCompletionRequestAssistantMessage(role="assistant", content=text))
        else:
            raise BadInputError(f"ChatLlamaCpp cannot send a {kind!r} message")
    return out


_SPECIAL = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED


def _special_token_texts(llm: CountingLlama) -> tuple[str, ...]:
    """The texts of a model's control and user-defined tokens."""
    model = llm._model
    return tuple(
        model.token_get_text(i) for i in range(llm.n_vocab()) if model.token_get_attr(i) & _SPECIAL
    )


def _usage(prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=prompt_tokens,
        output_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
        input_token_details={"cache_read": cached_tokens},
    )


def _raise_if_too_long(exc: ValueError, n_ctx: int) -> None:
    """Raise llama.cpp's context overflow as a `BadInputError`."""
    if "exceed context window" in str(exc):
        raise BadInputError(
            f"the prompt does not fit the model's {n_ctx}-token context ({exc}):"
            " ask a shorter question, clear the history, or raise QA_N_CTX"
        ) from exc
