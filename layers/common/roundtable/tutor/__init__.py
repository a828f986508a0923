"""The AI tutor: chats beside course content, through LiteLLM, with daily quotas.

prompt: what the model is sent; store: sessions and messages in Postgres;
quota: daily limits; model: the LiteLLM adapter; chat: one exchange, saved
before and after the call. See docs/tutor.md.
"""
