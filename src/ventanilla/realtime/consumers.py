from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ventanilla.core.groups import user_group


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    """One socket per open console; refuses anonymous and inactive users."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.groups_joined = [user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def console_event(self, message):
        await self.send_json(message["frame"])
